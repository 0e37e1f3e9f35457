//! A cache of rendered public pages. The observatory's pages depend only on their path and
//! parameters (the open data is fixed for the life of the process), so for visitors who are not
//! signed in each page is rendered once and then served from memory.
//!
//! Two rules keep anyone from filling memory through it:
//! - **Canonical keys.** A key is the percent-decoded path and the page's own parameters, sorted,
//!   with empty ones dropped; the scheme and host of an absolute-form request line play no part.
//!   A request carrying a parameter the page does not take is rendered but never stored, so
//!   `/explore?junk=N` costs a render, not memory.
//! - **A bound in bytes**, with least-recently-used eviction (moka's TinyLFU).
//!
//! The Timpson tracker empties the cache when an administrator changes it. One cache per app, so
//! two apps in one process never share pages.
//!
//! A cached page is also kept gzipped, made once on its first request that accepts gzip (every
//! browser's does), so a cache hit is served without compressing it again: a map page is about
//! 170 KB of HTML and 30 KB gzipped, and compressing it on every response cost more than
//! everything else the hit does.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{Html, IntoResponse, Response};
use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, OnceLock};

/// Enough for every map page several times over (a map page is about 160 KB).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The parameters each cached page takes; a page not listed takes none.
const PAGE_PARAMETERS: &[(&str, &[&str])] =
    &[("/explore", &["measure", "type", "year", "sort"]), ("/explore/cost", &["area", "year", "cost"])];

pub struct PageCache {
    pages: moka::sync::Cache<String, CachedPage>,
}

/// A rendered page as the cache holds it: the HTML and, once asked for, its gzipped bytes.
#[derive(Clone)]
pub struct CachedPage(Arc<Entry>);

struct Entry {
    html: Bytes,
    gzip: OnceLock<Option<Bytes>>,
}

impl CachedPage {
    fn new(html: Bytes) -> CachedPage {
        CachedPage(Arc::new(Entry { html, gzip: OnceLock::new() }))
    }

    pub fn html(&self) -> &Bytes {
        &self.0.html
    }

    /// The page gzipped (compressed the first time it is asked for, then kept).
    pub fn gzip(&self) -> Option<Bytes> {
        self.0
            .gzip
            .get_or_init(|| {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                encoder.write_all(&self.0.html).ok()?;
                encoder.finish().ok().map(Bytes::from)
            })
            .clone()
    }
}

/// The HTML, marked as a cached page so that [`serve_compressed`] can swap in the gzipped bytes.
impl IntoResponse for CachedPage {
    fn into_response(self) -> Response {
        let mut response = Html(self.0.html.clone()).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Whether an `Accept-Encoding` header allows gzip (by name or `*`, without `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts
                .any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        },
    )
}

/// Middleware (inside the compression layer): a cached page goes out as its kept gzipped bytes
/// when the request accepts gzip; the compression layer leaves a response that already has a
/// `Content-Encoding` alone.
pub async fn serve_compressed(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let gzip_ok = accepts_gzip(request.headers());
    let mut response = next.run(request).await;
    let Some(page) = response.extensions_mut().remove::<CachedPage>() else { return response };
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if !gzip_ok {
        return response;
    }
    let Some(gzipped) = page.gzip() else { return response };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(gzipped))
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::with_max_bytes(DEFAULT_MAX_BYTES)
    }
}

/// The cache key for a request, or `None` if the page must not be stored (unknown parameters,
/// or a path that does not decode).
pub fn key(uri: &Uri) -> Option<String> {
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8().ok()?;
    let allowed = PAGE_PARAMETERS.iter().find(|(p, _)| *p == path).map_or(&[][..], |(_, names)| *names);
    let mut pairs: Vec<(Cow<str>, Cow<str>)> = Vec::new();
    for (name, value) in form_urlencoded_pairs(uri.query().unwrap_or("")) {
        if !allowed.contains(&name.as_ref()) {
            return None;
        }
        if !value.is_empty() {
            pairs.push((name, value));
        }
    }
    pairs.sort();
    pairs.dedup_by(|a, b| a.0 == b.0);
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
    Some(if query.is_empty() { path.into_owned() } else { format!("{path}?{}", query.join("&")) })
}

fn form_urlencoded_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query.split('&').filter(|s| !s.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode_component(k), decode_component(v))
    })
}

fn decode_component(s: &str) -> Cow<'_, str> {
    let plus_as_space: Cow<str> = if s.contains('+') { Cow::Owned(s.replace('+', " ")) } else { Cow::Borrowed(s) };
    match percent_encoding::percent_decode_str(&plus_as_space).decode_utf8_lossy() {
        Cow::Borrowed(_) => plus_as_space,
        Cow::Owned(o) => Cow::Owned(o),
    }
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl PageCache {
    pub fn with_max_bytes(max_bytes: u64) -> PageCache {
        // The gzipped copy is made after insertion, so it is weighed in advance: HTML gzips to well
        // under a quarter of its size.
        let pages = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|k: &String, v: &CachedPage| {
                u32::try_from(k.len() + v.html().len() + v.html().len() / 4).unwrap_or(u32::MAX)
            })
            .build();
        PageCache { pages }
    }

    /// The cached page for `key`, if any.
    pub fn get(&self, key: &str) -> Option<CachedPage> {
        self.pages.get(key)
    }

    /// Keep a rendered page.
    pub fn put(&self, key: &str, page: Bytes) {
        self.pages.insert(key.to_string(), CachedPage::new(page));
    }

    /// The cached page for this request, or render it (and keep it if the request is canonical).
    pub fn get_or_render<E>(&self, uri: &Uri, render: impl FnOnce() -> Result<String, E>) -> Result<Response, E> {
        let Some(key) = key(uri) else { return render().map(|html| Html(html).into_response()) };
        if let Some(hit) = self.get(&key) {
            return Ok(hit.into_response());
        }
        let page = CachedPage::new(Bytes::from(render()?));
        self.pages.insert(key, page.clone());
        Ok(page.into_response())
    }

    /// Forget every page (after an edit that can change any of them).
    pub fn clear(&self) {
        self.pages.invalidate_all();
    }

    /// Bytes held, after pending evictions have run (for tests and operators).
    pub fn weighted_size(&self) -> u64 {
        self.pages.run_pending_tasks();
        self.pages.weighted_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Option<String> {
        key(&s.parse::<Uri>().unwrap())
    }

    #[test]
    fn keys_are_canonical() {
        assert_eq!(k("/explore?year=2022&measure=perm").as_deref(), Some("/explore?measure=perm&year=2022"));
        assert_eq!(k("/explore?measure=perm&year=2022"), k("http://evil.example/explore?year=2022&measure=perm"));
        assert_eq!(k("/explore?measure=&year=2022"), k("/explore?year=2022"));
        assert_eq!(k("/%65xplore"), k("/explore"));
        assert_eq!(k("/explore/cold-spots").as_deref(), Some("/explore/cold-spots"));
    }

    #[test]
    fn unknown_parameters_are_never_stored() {
        assert_eq!(k("/explore?junk=1"), None);
        assert_eq!(k("/explore/cold-spots?measure=x"), None);
        assert_eq!(k("/explore/%FF"), None);
    }

    #[test]
    fn gzip_is_accepted_by_name_or_star_unless_refused() {
        let accepts = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("gzip;q=0, br"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_kept_page_gzips_to_the_same_html() {
        let page = CachedPage::new(Bytes::from("<p>hello</p>".repeat(1000)));
        let gzipped = page.gzip().unwrap();
        assert!(gzipped.len() < page.html().len() / 10, "{} bytes", gzipped.len());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut out).unwrap();
        assert_eq!(out.as_bytes(), &page.html()[..]);
        assert_eq!(page.gzip(), Some(gzipped), "made once, then kept");
    }

    #[test]
    fn bounded_by_bytes() {
        let cache = PageCache::with_max_bytes(100_000);
        for i in 0..1000 {
            cache.put(&format!("/explore?year={i}"), Bytes::from(vec![b'x'; 10_000]));
        }
        assert!(cache.weighted_size() <= 100_000, "held {} bytes", cache.weighted_size());
    }
}
