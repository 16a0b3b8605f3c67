//! Built-in models of section9.
