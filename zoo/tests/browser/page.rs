//! The page as a person uses it, through WebDriver: find an element by its
//! id, click it, press keys, wait for a text. Every wait has a timeout
//! and polls the page; nothing sleeps for a fixed time.

use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a step of the browser test fails with: the message says what was
/// expected and what the page showed instead.
pub type Result<T = ()> = std::result::Result<T, String>;

/// How often a wait looks at the page again.
const POLL: Duration = Duration::from_millis(100);

/// Chromium's window at the start: a desktop's.
pub const DESKTOP: (u32, u32) = (1200, 900);

/// Turns a WebDriver error into a step's failure, saying what was tried.
pub trait Doing<T> {
    fn doing(self, what: &str) -> Result<T>;
}

impl<T, E: std::fmt::Display> Doing<T> for std::result::Result<T, E> {
    fn doing(self, what: &str) -> Result<T> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// One message of the browser's console log.
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

impl LogEntry {
    pub fn is_error(&self) -> bool {
        self.level == "SEVERE"
    }
}

/// chromedriver's console log of the page (`goog:loggingPrefs`): each call
/// takes the messages logged since the last one.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> std::result::Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// A Chromium window on the page, through chromedriver.
pub struct Page {
    client: Client,
    /// Every console message read so far.
    log: Mutex<Vec<LogEntry>>,
    /// The window's width and height around the page's viewport.
    frame: (u32, u32),
}

impl Page {
    /// A new headless Chromium (`chromium`, with its profile in `profile`)
    /// through the chromedriver at `driver`.
    pub async fn start(driver: &str, chromium: &Path, profile: &Path) -> Result<Page> {
        let (width, height) = DESKTOP;
        let args = [
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            // No network but localhost: without these, Chromium keeps
            // trying to reach Google's services.
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(driver)
            .await
            .doing("starting Chromium through chromedriver")?;
        let mut page = Page {
            client,
            log: Mutex::new(Vec::new()),
            frame: (0, 0),
        };
        // Measured at the desktop's size: a narrow window is wider than
        // its viewport.
        let frame = page
            .eval("return [outerWidth - innerWidth, outerHeight - innerHeight];", vec![])
            .await?;
        let extra = |i: usize| frame[i].as_u64().unwrap_or(0) as u32;
        page.frame = (extra(0), extra(1));
        Ok(page)
    }

    /// Ends the browser session (Chromium quits).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    pub async fn goto(&self, url: &str) -> Result {
        self.client.goto(url).await.doing(&format!("opening {url}"))
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the
    /// page and returns what it returns; a promise is waited for.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client
            .execute(script, args)
            .await
            .doing(&format!("running in the page: {script}"))
    }

    /// Waits until `script` returns something other than `null`, `false`
    /// or `undefined`, and returns it. On timeout, the error says what was
    /// awaited and the script's last answer.
    pub async fn wait_for(&self, what: &str, timeout: Duration, script: &str, args: Vec<Value>) -> Result<Value> {
        let started = Instant::now();
        loop {
            let value = self.eval(script, args.clone()).await?;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return Ok(value);
            }
            if started.elapsed() > timeout {
                return Err(format!("waited {timeout:?} for {what}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The text of the element `id` (as `textContent`: hidden text too).
    pub async fn text(&self, id: &str) -> Result<String> {
        let value = self
            .eval(
                "const e = document.getElementById(arguments[0]);
                 if (!e) return null;
                 return e instanceof HTMLTextAreaElement || e instanceof HTMLInputElement ? e.value : e.textContent;",
                vec![json!(id)],
            )
            .await?;
        match value {
            Value::String(s) => Ok(s),
            _ => Err(format!("the page has no element #{id}")),
        }
    }

    /// Waits until the text of `id` contains `part`; its whole text.
    pub async fn wait_for_text(&self, id: &str, part: &str, timeout: Duration) -> Result<String> {
        let script = "const e = document.getElementById(arguments[0]);
                      return e && e.textContent.includes(arguments[1]) ? e.textContent : null;";
        match self.wait_for("", timeout, script, vec![json!(id), json!(part)]).await {
            Ok(text) => Ok(text.as_str().unwrap_or_default().to_string()),
            Err(_) => Err(format!(
                "waited {timeout:?} for #{id} to say {part:?}; it says {:?}{}",
                self.text(id).await.unwrap_or_else(|e| e),
                self.page_error().await
            )),
        }
    }

    /// Waits until the element `id` is shown and enabled, then clicks it.
    pub async fn click(&self, id: &str) -> Result {
        self.click_selector(&format!("#{id}")).await
    }

    /// Waits until the first element `selector` (CSS) finds is shown and
    /// enabled, then clicks it.
    pub async fn click_selector(&self, selector: &str) -> Result {
        let timeout = Duration::from_secs(30);
        let script = "const e = document.querySelector(arguments[0]);
                      return e && !e.disabled && e.getClientRects().length > 0;";
        self.wait_for(
            &format!("{selector} to be shown and enabled"),
            timeout,
            script,
            vec![json!(selector)],
        )
        .await?;
        let element = self
            .client
            .find(Locator::Css(selector))
            .await
            .doing(&format!("finding {selector}"))?;
        element.click().await.doing(&format!("clicking {selector}"))
    }

    /// Focuses the element `id` and presses `key` on it `times` times, as
    /// a keyboard would.
    pub async fn press(&self, id: &str, key: Key, times: usize) -> Result {
        let element = self
            .client
            .find(Locator::Id(id))
            .await
            .doing(&format!("finding #{id}"))?;
        let keys: String = std::iter::repeat_n(char::from(key), times).collect();
        element
            .send_keys(&keys)
            .await
            .doing(&format!("pressing {key:?} on #{id}"))
    }

    /// Resizes the window so that the page's viewport is `width` by
    /// `height` CSS pixels.
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result {
        let (dw, dh) = self.frame;
        self.client
            .set_window_size(width + dw, height + dh)
            .await
            .doing("resizing the window")?;
        let resized = self
            .wait_for(
                "",
                Duration::from_secs(10),
                "return innerWidth === arguments[0] && innerHeight === arguments[1];",
                vec![json!(width), json!(height)],
            )
            .await;
        if resized.is_err() {
            let now = self
                .eval("return [innerWidth, innerHeight, outerWidth, outerHeight];", vec![])
                .await?;
            return Err(format!(
                "waited for the viewport to be {width}x{height}; [innerWidth, innerHeight, outerWidth, \
                 outerHeight] = {now}, with a frame of {:?}",
                self.frame
            ));
        }
        Ok(())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        self.client.screenshot().await.doing("taking a screenshot")
    }

    /// A PNG of the whole page at `width` CSS pixels, however tall; the
    /// viewport is set back to the desktop's.
    pub async fn screenshot_whole(&self, width: u32) -> Result<Vec<u8>> {
        let (_, height) = DESKTOP;
        self.set_viewport(width, height).await?;
        let tall = self
            .eval("return document.documentElement.scrollHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(height as u64) as u32;
        self.set_viewport(width, tall.max(height)).await?;
        let png = self.screenshot().await;
        self.set_viewport(DESKTOP.0, DESKTOP.1).await?;
        png
    }

    /// Every console message so far, errors and others.
    pub async fn console(&self) -> Result<Vec<LogEntry>> {
        let fresh = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .doing("reading the browser's console log")?;
        let mut log = self.log.lock().unwrap();
        for entry in fresh.as_array().into_iter().flatten() {
            log.push(LogEntry {
                level: entry["level"].as_str().unwrap_or_default().to_string(),
                message: entry["message"].as_str().unwrap_or_default().to_string(),
            });
        }
        Ok(log.clone())
    }

    /// The console's errors so far: messages to `console.error`, uncaught
    /// exceptions, failed requests.
    pub async fn console_errors(&self) -> Result<Vec<String>> {
        Ok(self
            .console()
            .await?
            .into_iter()
            .filter(LogEntry::is_error)
            .map(|e| e.message)
            .collect())
    }

    /// What the page's error line (`#error`) says, for failure messages.
    async fn page_error(&self) -> String {
        match self.text("error").await {
            Ok(text) if !text.is_empty() => format!(" (the page shows the error {text:?})"),
            _ => String::new(),
        }
    }

    /// What the page shows and logged, to explain a failure.
    pub async fn report(&self) -> String {
        let mut out = String::new();
        for id in ["status", "error", "caption"] {
            if let Ok(text) = self.text(id).await {
                out.push_str(&format!("\n  #{id}: {text:?}"));
            }
        }
        match self.console().await {
            Ok(log) => {
                for e in log {
                    out.push_str(&format!("\n  console {}: {}", e.level, e.message));
                }
            }
            Err(e) => out.push_str(&format!("\n  {e}")),
        }
        out
    }
}
