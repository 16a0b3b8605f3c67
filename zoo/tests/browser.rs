//! The web page in a real browser: headless Chromium, driven through
//! chromedriver (WebDriver), on the real `section9 serve`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`bash .ci/install-tools`
//! installs them); without them the test fails and says so. With
//! `SECTION9_SCREENSHOT=1`, the screenshot taken after the proofs and the mint is written
//! to `docs/web.png` (the README's picture); otherwise it stays in the
//! test's temporary folder.
//!
//! One browser and one server serve every step, in order; each step is
//! a function below, and a new step is one more function and one more line
//! in `steps`.

#[path = "browser/page.rs"]
mod page;
#[path = "browser/processes.rs"]
mod processes;

use fantoccini::key::Key;
use page::{Doing, Page, Result, DESKTOP};
use processes::{browser_tools, ChromeDriver, Server};
use serde_json::{json, Value};
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

/// The longest a page's reaction to a click or a key may take.
const REACT: Duration = Duration::from_secs(30);
/// The longest a proof on the server may take, its key setup included
/// (the keys are made afresh in a new folder).
const PROOF: Duration = Duration::from_secs(600);
/// The phone whose width the page must fit (CSS pixels).
const PHONE: (u32, u32) = (390, 844);

/// Fails a step with a message when `cond` does not hold.
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+));
        }
    };
}

#[test]
fn the_page_draws_proves_and_fits_a_phone_in_chromium() {
    let (chromium, chromedriver) = browser_tools();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let server = Server::start("digits-gan", &keys);
    let driver = ChromeDriver::start(&chromedriver);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = runtime.block_on(async {
        let page = Page::start(&driver.url, &chromium, &dir.path().join("chromium")).await?;
        let outcome = match steps(&page, &server.url, dir.path()).await {
            Ok(()) => Ok(()),
            Err(e) => Err(format!("{e}\nThe page then:{}", page.report().await)),
        };
        page.close().await;
        outcome
    });
    // Chromium and the server stop before their folders go.
    drop(driver);
    drop(server);
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

/// Every step, in order, each timed.
async fn steps(page: &Page, url: &str, dir: &Path) -> Result {
    step("open the page", open_the_page(page, url)).await?;
    step("move a slider", a_slider_redraws_the_picture(page)).await?;
    step("prove on the server", prove_on_the_server(page)).await?;
    step("public values", the_public_values_are_shown(page)).await?;
    step("verify in the browser", verify_in_the_browser(page)).await?;
    step("prove in the browser", prove_in_the_browser(page, dir)).await?;
    step("mint", mint_and_find_in_the_gallery(page)).await?;
    step("screenshot", screenshot(page, dir)).await?;
    step("phone width", fits_a_phone(page)).await?;
    // Last, so that it covers every step before it.
    step("console", no_console_errors(page)).await
}

/// Runs one step; its name and time go to the test's output, and its name
/// heads its failure.
async fn step(name: &str, run: impl Future<Output = Result>) -> Result {
    let started = Instant::now();
    let outcome = run.await.map_err(|e| format!("step `{name}`: {e}"));
    eprintln!("browser: {name}: {:.2} s", started.elapsed().as_secs_f64());
    outcome
}

/// Script helpers for pictures: `pixels(image, width, height)` is a
/// checksum of an image's pixels as a canvas reads them (the same picture
/// gives the same number, whatever its URL), and `shown(img)` that of an
/// `<img>`, or `null` while it has nothing drawn.
const PIXELS: &str = "
    const pixels = (image, width, height) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const context = canvas.getContext('2d', { willReadFrequently: true });
        context.drawImage(image, 0, 0);
        let h = 2166136261;
        for (const b of context.getImageData(0, 0, width, height).data) h = Math.imul(h ^ b, 16777619);
        return h >>> 0;
    };
    const shown = (img) => img && img.src && img.complete && img.naturalWidth
        ? pixels(img, img.naturalWidth, img.naturalHeight)
        : null;";

/// The checksum of the pixels of the `<img>` that `selector` finds, or
/// `null` while it has none.
async fn image_pixels(page: &Page, selector: &str) -> Result<Value> {
    let script = format!("{PIXELS} return shown(document.querySelector(arguments[0]));");
    page.eval(&script, vec![json!(selector)]).await
}

/// Waits until the page shows the picture the server draws for the
/// latent its sliders are set to.
async fn wait_for_the_sliders_picture(page: &Page) -> Result<Value> {
    let script = format!(
        "return (async () => {{
            {PIXELS}
            const now = shown(document.getElementById('picture'));
            if (now === null) return null;
            const latent = [...document.querySelectorAll('#sliders input')].map((s) => s.value).join(',');
            const model = encodeURIComponent(document.getElementById('model').value);
            const response = await fetch(`/api/draw?model=${{model}}&latent=${{latent}}`);
            const drawn = await createImageBitmap(await response.blob());
            return now === pixels(drawn, drawn.width, drawn.height) ? now : null;
        }})();"
    );
    page.wait_for(
        "the picture the server draws for the sliders' latent",
        REACT,
        &script,
        vec![],
    )
    .await
}

/// The page loads, offers the model and draws its picture for seed 0.
async fn open_the_page(page: &Page, url: &str) -> Result {
    page.goto(url).await?;
    page.wait_for_text("caption", "Drawn by digits-gan", REACT).await?;
    let model = page
        .eval("return document.getElementById('model').value;", vec![])
        .await?;
    ensure!(model == "digits-gan", "the model chosen is {model}");
    let sliders = page
        .eval(
            "return document.querySelectorAll('#sliders input[type=range]').length;",
            vec![],
        )
        .await?;
    ensure!(sliders == 16, "{sliders} sliders for digits-gan's latent of 16");
    wait_for_the_sliders_picture(page).await.map(drop)
}

/// A slider moved with the keyboard (focused, then arrow keys) redraws
/// the picture.
async fn a_slider_redraws_the_picture(page: &Page) -> Result {
    let before = image_pixels(page, "#picture").await?;
    ensure!(!before.is_null(), "no picture is shown");
    let slider = "z0";
    let read = "const s = document.getElementById(arguments[0]);
                return [Number(s.value), Number(s.max), Number(document.querySelector(`output[for=${s.id}]`).value)];";
    let values = page.eval(read, vec![json!(slider)]).await?;
    let (Some(value), Some(max)) = (values[0].as_i64(), values[1].as_i64()) else {
        return Err(format!("#{slider}'s [value, max, shown value]: {values}"));
    };
    // Far enough for the 8x8 picture to change.
    let presses = 16;
    let (key, expected) = if value + presses <= max {
        (Key::Right, value + presses)
    } else {
        (Key::Left, value - presses)
    };
    page.press(slider, key, presses as usize).await?;
    let values = page.eval(read, vec![json!(slider)]).await?;
    ensure!(
        values[0] == expected && values[2] == expected,
        "{presses} presses of {key:?} on #{slider} at {value}: [value, max, shown value] = {values}, not {expected}"
    );
    let script = format!(
        "{PIXELS}
        const now = shown(document.getElementById('picture'));
        return now !== null && now !== arguments[0] ? now : null;"
    );
    page.wait_for("the picture to change", REACT, &script, vec![before])
        .await?;
    wait_for_the_sliders_picture(page).await.map(drop)
}

/// "Prove this picture" proves it on the server: each step is listed with
/// its time, then the proof is described.
async fn prove_on_the_server(page: &Page) -> Result {
    page.click("prove").await?;
    page.wait_for_text("status", "Done: the proof verifies", PROOF).await?;
    eprintln!("browser: the server's proof took {}", page.text("time").await?);
    let steps = page
        .eval(
            "return [...document.querySelectorAll('#steps li')].map((li) => li.textContent);",
            vec![],
        )
        .await?;
    let steps: Vec<&str> = steps
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    ensure!(
        steps.len() == 5 && steps.iter().all(|s| s.ends_with(" s")),
        "the proof's steps, each with its time: {steps:?}"
    );
    let hidden = page
        .eval("return document.getElementById('result').hidden;", vec![])
        .await?;
    ensure!(hidden == false, "the proof's description is hidden");
    let size = page.text("size").await?;
    ensure!(size.starts_with("128 bytes"), "the proof's size: {size:?}");
    Ok(())
}

/// The proof's public values are shown (once their list is opened, as a
/// person would), end with the model commitment, and are those of the
/// downloadable `public.json`.
async fn the_public_values_are_shown(page: &Page) -> Result {
    page.click_selector("#result summary").await?;
    page.wait_for(
        "the public values to be shown",
        REACT,
        "return document.getElementById('public').getClientRects().length > 0;",
        vec![],
    )
    .await?;
    let text = page.text("public").await?;
    let shown: Vec<&str> = text.lines().collect();
    let count = page.text("public-count").await?;
    ensure!(
        !shown.is_empty() && count == shown.len().to_string(),
        "{count:?} public values announced, {} shown",
        shown.len()
    );
    ensure!(
        shown
            .iter()
            .all(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())),
        "public values that are not decimal numbers: {shown:?}"
    );
    let commitment = page.text("commitment").await?;
    ensure!(
        shown.last() == Some(&commitment.as_str()),
        "the last public value is not the model commitment {commitment:?}"
    );
    let downloaded = page
        .eval(
            "return fetch(document.getElementById('get-public').href).then((r) => r.json());",
            vec![],
        )
        .await?;
    ensure!(
        downloaded == json!(shown),
        "public.json ({downloaded}) differs from the values shown"
    );
    Ok(())
}

/// The whole page after the proof, 1200 pixels wide: into `docs/web.png`
/// with `SECTION9_SCREENSHOT=1`, else into `dir`.
async fn screenshot(page: &Page, dir: &Path) -> Result {
    let width = DESKTOP.0;
    let png = page.screenshot_whole(width).await?;
    let decoded = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .doing("reading the screenshot")?;
    let got = decoded.info().width;
    ensure!(got == width, "the screenshot is {got} pixels wide, not {width}");
    let path = if std::env::var("SECTION9_SCREENSHOT").as_deref() == Ok("1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/web.png")
    } else {
        dir.join("web.png")
    };
    std::fs::write(&path, &png).doing(&format!("writing {}", path.display()))
}

/// "Verify in this browser": the proof just made verifies in the page
/// (section9's verifier in WebAssembly), a tampered public value is
/// rejected, and the untouched values verify again.
async fn verify_in_the_browser(page: &Page) -> Result {
    verified_here(page).await?;
    let original = page.text("public").await?;
    let tampered = page
        .eval(
            "const box = document.getElementById('public');
             const lines = box.value.split('\\n');
             lines[0] = lines[0] === '1' ? '2' : '1';
             box.value = lines.join('\\n');
             return box.value;",
            vec![],
        )
        .await?;
    ensure!(
        tampered.as_str() != Some(original.as_str()),
        "the public values were not changed"
    );
    page.click("verify-browser").await?;
    page.wait_for_text("verify-status", "Rejected", REACT).await?;
    page.eval(
        "document.getElementById('public').value = arguments[0];",
        vec![json!(original)],
    )
    .await?;
    verified_here(page).await
}

/// Presses "Verify in this browser" and waits for the proof to be found
/// valid.
async fn verified_here(page: &Page) -> Result {
    page.click("verify-browser").await?;
    page.wait_for_text("verify-status", "Verified in this browser", REACT)
        .await?;
    eprintln!("browser: {}", page.text("verify-status").await?);
    Ok(())
}

/// "Prove in this browser": the picture is proved in the page, with the
/// public values of the server's proof of the same picture; the proof
/// verifies in the page, under `section9 verify` and under snarkjs, and
/// its key is kept in the browser's IndexedDB.
async fn prove_in_the_browser(page: &Page, dir: &Path) -> Result {
    let on_server = page.text("public").await?;
    page.click("prove-browser").await?;
    page.wait_for(
        "the proof made in this browser",
        PROOF,
        "const s = document.getElementById('status').textContent;
         return s.startsWith('Done') && s.includes('in this browser') ? s : null;",
        vec![],
    )
    .await?;
    let made = page.text("where").await?;
    ensure!(made.contains("in this browser"), "the proof was made {made:?}");
    eprintln!("browser: the page's proof took {}", page.text("time").await?);
    let here = page.text("public").await?;
    ensure!(
        here == on_server,
        "the browser's public values differ from the server's for the same picture"
    );
    verified_here(page).await?;
    let files = page
        .eval(
            "const get = (id) => fetch(document.getElementById(id).href).then((r) => r.text());
             return Promise.all(['get-proof', 'get-public', 'get-vk'].map(get));",
            vec![],
        )
        .await?;
    let [proof, public, vk] = [0, 1, 2].map(|i| files[i].as_str().unwrap_or_default().to_string());
    check_elsewhere(dir, &vk, &proof, &public)?;
    let kept = page
        .eval(
            "return new Promise((resolve) => {
                 const open = indexedDB.open('section9');
                 open.onsuccess = () => {
                     const count = open.result.transaction('keys').objectStore('keys').count();
                     count.onsuccess = () => resolve(count.result);
                     count.onerror = () => resolve(-1);
                 };
                 open.onerror = () => resolve(-1);
             });",
            vec![],
        )
        .await?;
    ensure!(kept == 1, "{kept} proving keys kept in IndexedDB, not 1");
    Ok(())
}

/// A proof made in the browser verifies under `section9 verify` and
/// `snarkjs groth16 verify`.
fn check_elsewhere(dir: &Path, vk: &str, proof: &str, public: &str) -> Result {
    let files = dir.join("browser-proof");
    std::fs::create_dir_all(&files).doing("making a folder for the browser's proof")?;
    for (name, text) in [("vk.json", vk), ("proof.json", proof), ("public.json", public)] {
        std::fs::write(files.join(name), text).doing(&format!("writing {name}"))?;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_section9"))
        .args(["verify", "vk.json", "proof.json", "public.json"])
        .current_dir(&files)
        .output()
        .doing("running section9 verify")?;
    ensure!(
        out.status.success(),
        "section9 verify refuses the browser's proof: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    section9_tests::circom::ensure_tools()?;
    ensure!(
        section9_tests::circom::snarkjs_verify(&files, vk, public, proof),
        "snarkjs refuses the browser's proof"
    );
    Ok(())
}

/// "Mint" on the dev chain: the contracts are deployed and the last proof
/// minted; the token then shows in the gallery, read back from the
/// contract, with the pixels of the picture on the page.
async fn mint_and_find_in_the_gallery(page: &Page) -> Result {
    page.wait_for(
        "the mint button to be ready",
        REACT,
        "return document.getElementById('mint').disabled ? null : true;",
        vec![],
    )
    .await?;
    page.click("mint").await?;
    page.wait_for_text("mint-status", "Minted token #1", PROOF).await?;
    let script = "
        const token = document.querySelector('#gallery img.token[data-token-id=\"1\"]');
        const picture = document.getElementById('picture');
        if (!token || !token.complete || !token.naturalWidth) return null;
        const read = (image, width, height) => {
            const canvas = document.createElement('canvas');
            canvas.width = width;
            canvas.height = height;
            const context = canvas.getContext('2d', { willReadFrequently: true });
            context.drawImage(image, 0, 0);
            return context.getImageData(0, 0, width, height).data;
        };
        const [w, h] = [token.naturalWidth, token.naturalHeight];
        const [W, H] = [picture.naturalWidth, picture.naturalHeight];
        const minted = read(token, w, h);
        const shown = read(picture, W, H);
        // The page's picture is the same one enlarged: compare each
        // minted pixel with the middle of its square.
        let differ = 0;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
            const at = ((Math.floor((y + 0.5) * H / h) * W) + Math.floor((x + 0.5) * W / w)) * 4 + c;
            if (minted[(y * w + x) * 4 + c] !== shown[at]) differ++;
        }
        return [w, h, differ];";
    let found = page.wait_for("token #1 in the gallery", REACT, script, vec![]).await?;
    ensure!(
        found[2] == 0,
        "the minted picture ({} x {}) differs from the page's in {} values",
        found[0],
        found[1],
        found[2]
    );
    Ok(())
}

/// At a phone's width the page folds to one column, with nothing wider
/// than the screen.
async fn fits_a_phone(page: &Page) -> Result {
    let (width, height) = PHONE;
    page.set_viewport(width, height).await?;
    let sizes = page
        .eval(
            "return [document.documentElement.scrollWidth, innerWidth,
                     document.getElementById('picture').getBoundingClientRect().right];",
            vec![],
        )
        .await?;
    let (scroll, inner, picture) = (sizes[0].as_f64(), sizes[1].as_f64(), sizes[2].as_f64());
    ensure!(
        scroll <= inner && picture <= inner,
        "at {width} pixels wide, the page is {scroll:?} wide and the picture ends at {picture:?}"
    );
    page.set_viewport(DESKTOP.0, DESKTOP.1).await
}

/// Nothing went to the browser's console as an error: no exception, no
/// failed request, no `console.error`.
async fn no_console_errors(page: &Page) -> Result {
    let errors = page.console_errors().await?;
    ensure!(
        errors.is_empty(),
        "the browser's console has errors:\n  {}",
        errors.join("\n  ")
    );
    Ok(())
}
