//! Server-rendered SVG charts and maps. Each has a `<title>` and a description, uses colours that
//! stay distinguishable with colour-blindness, and is always shown next to a table of the same
//! figures (the pages do that). No inline styles: the CSP forbids them, so only SVG presentation
//! attributes are used.

pub mod funnel;
pub mod lines;
pub mod map;
pub mod scale;

/// Escape text for SVG/HTML content and attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
