//! A cache of rendered public pages. The observatory's pages depend only on the URL (the open
//! data is fixed for the life of the process), so for visitors who are not signed in each page
//! is rendered once and then served from memory. The Timpson tracker clears its pages when an
//! administrator changes it. One cache per app, so two apps in one process never share pages.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Enough for every map URL several times over; past it the cache starts again rather than grow.
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, Bytes>>,
}

impl PageCache {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bytes>> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached page for `key`, if any.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.map().get(key).cloned()
    }

    /// Keep a rendered page.
    pub fn put(&self, key: &str, page: Bytes) {
        let mut map = self.map();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key.to_string(), page);
    }

    /// The cached page for `key`, or render it (outside the lock) and keep it.
    pub fn get_or_render<E>(&self, key: &str, render: impl FnOnce() -> Result<String, E>) -> Result<Bytes, E> {
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        let page = Bytes::from(render()?);
        self.put(key, page.clone());
        Ok(page)
    }

    /// Forget every page whose key starts with `prefix` (after an edit).
    pub fn invalidate(&self, prefix: &str) {
        self.map().retain(|k, _| !k.starts_with(prefix));
    }
}
