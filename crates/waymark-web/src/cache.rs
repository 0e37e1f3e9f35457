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

use axum::body::Bytes;
use axum::http::Uri;
use std::borrow::Cow;

/// Enough for every map page several times over (a map page is about 160 KB).
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The parameters each cached page takes; a page not listed takes none.
const PAGE_PARAMETERS: &[(&str, &[&str])] =
    &[("/explore", &["measure", "type", "year"]), ("/explore/cost", &["area", "year", "cost"])];

pub struct PageCache {
    pages: moka::sync::Cache<String, Bytes>,
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
        let pages = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|k: &String, v: &Bytes| u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX))
            .build();
        PageCache { pages }
    }

    /// The cached page for `key`, if any.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.pages.get(key)
    }

    /// Keep a rendered page.
    pub fn put(&self, key: &str, page: Bytes) {
        self.pages.insert(key.to_string(), page);
    }

    /// The cached page for this request, or render it (and keep it if the request is canonical).
    pub fn get_or_render<E>(&self, uri: &Uri, render: impl FnOnce() -> Result<String, E>) -> Result<Bytes, E> {
        let Some(key) = key(uri) else { return render().map(Bytes::from) };
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let page = Bytes::from(render()?);
        self.put(&key, page.clone());
        Ok(page)
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
    fn bounded_by_bytes() {
        let cache = PageCache::with_max_bytes(100_000);
        for i in 0..1000 {
            cache.put(&format!("/explore?year={i}"), Bytes::from(vec![b'x'; 10_000]));
        }
        assert!(cache.weighted_size() <= 100_000, "held {} bytes", cache.weighted_size());
    }
}
