//! Answers already computed for the current sales data, cached by their tag (see
//! the `validators` module): the tag names the data's version and everything else that shapes
//! the answer, so an answer cached under a tag is exactly what the route would compute again.
//! A succeeded import changes the version, and with it every tag: cached answers then simply go
//! unasked and are evicted. Bounded in bytes; a large answer is not cached.

use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// The most bytes of answers cached in all.
pub const ANSWER_CACHE_BYTES: u64 = 32 * 1024 * 1024;
/// The largest answer cached.
pub const MAX_KEPT_ANSWER_BYTES: usize = 1024 * 1024;
/// Roughly how many answers are expected (sizes the cache's table).
const EXPECTED_ANSWERS: usize = 4_096;
/// What an entry costs besides its body (headers, key, bookkeeping).
const ENTRY_OVERHEAD_BYTES: u64 = 512;

/// A 200 answer: its headers and body.
#[derive(Debug, Clone)]
pub struct CachedAnswer {
    /// The route's headers (content type and the like).
    pub headers: HeaderMap,
    /// The body, as sent before any compression.
    pub body: Bytes,
}

#[derive(Debug, Clone)]
struct BySize;

impl Weighter<String, CachedAnswer> for BySize {
    fn weight(&self, key: &String, answer: &CachedAnswer) -> u64 {
        answer.body.len() as u64 + key.len() as u64 + ENTRY_OVERHEAD_BYTES
    }
}

/// The cached answers, shared by every worker. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AnswerCache {
    /// `None` when nothing is to be cached.
    answers: Option<std::sync::Arc<Cache<String, CachedAnswer, BySize>>>,
}

impl Default for AnswerCache {
    fn default() -> Self {
        AnswerCache::with_capacity(ANSWER_CACHE_BYTES)
    }
}

impl AnswerCache {
    /// A cache of at most `bytes` of answers; none cached when 0.
    pub fn with_capacity(bytes: u64) -> Self {
        AnswerCache {
            answers: (bytes > 0).then(|| {
                std::sync::Arc::new(Cache::with_weighter(EXPECTED_ANSWERS, bytes, BySize))
            }),
        }
    }

    /// Whether answers are kept at all (not when its capacity is 0): when not, a route's answer
    /// need not be read into one piece to be kept.
    pub fn keeps_answers(&self) -> bool {
        self.answers.is_some()
    }

    /// The answer cached under `tag`, if any.
    pub fn get(&self, tag: &str) -> Option<CachedAnswer> {
        self.answers.as_ref()?.get(tag)
    }

    /// Keeps `answer` under `tag`, unless it is larger than [`MAX_KEPT_ANSWER_BYTES`].
    pub fn keep(&self, tag: &str, answer: CachedAnswer) {
        if let Some(answers) = &self.answers
            && answer.body.len() <= MAX_KEPT_ANSWER_BYTES
        {
            answers.insert(tag.to_owned(), answer);
        }
    }

    /// How many bytes are cached (bodies and overheads).
    pub fn bytes(&self) -> u64 {
        self.answers.as_ref().map_or(0, |answers| answers.weight())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(bytes: usize) -> CachedAnswer {
        CachedAnswer {
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; bytes]),
        }
    }

    #[test]
    fn a_cached_answer_comes_back_under_its_tag_only() {
        let cache = AnswerCache::default();
        cache.keep("a", answer(10));
        assert_eq!(cache.get("a").map(|a| a.body.len()), Some(10));
        assert!(cache.get("b").is_none());
    }

    #[test]
    fn an_answer_over_the_size_limit_is_not_cached() {
        let cache = AnswerCache::default();
        cache.keep("big", answer(MAX_KEPT_ANSWER_BYTES + 1));
        assert!(cache.get("big").is_none());
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn a_cache_of_no_bytes_keeps_nothing() {
        let cache = AnswerCache::with_capacity(0);
        assert!(!cache.keeps_answers());
        cache.keep("a", answer(10));
        assert!(cache.get("a").is_none());
        assert!(AnswerCache::with_capacity(1).keeps_answers());
    }

    #[test]
    fn the_cache_never_holds_more_than_its_byte_bound() {
        let cache = AnswerCache::with_capacity(64 * 1024);
        for n in 0..100 {
            cache.keep(&format!("tag-{n}"), answer(4 * 1024));
        }
        // What the answers it still holds cost, counted apart from its own weigher.
        let held: u64 = (0..100)
            .map(|n| format!("tag-{n}"))
            .filter(|tag| cache.get(tag).is_some())
            .map(|tag| 4 * 1024 + tag.len() as u64 + ENTRY_OVERHEAD_BYTES)
            .sum();
        assert!(held <= 64 * 1024, "holds {held} bytes");
        assert_eq!(cache.bytes(), held, "its count agrees with what it holds");
        // Evicting makes room for new answers: it does not empty itself.
        assert!(held > 32 * 1024, "holds only {held} bytes");
    }
}
