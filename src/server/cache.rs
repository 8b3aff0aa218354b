//! Rendered documents kept until the store changes (its generation), each
//! compressed once per render (gzip and brotli), never per request, and
//! answered like a good static file: strong `ETag`, `Last-Modified`, 304
//! for a matching `If-None-Match` / `If-Modified-Since`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// Documents and bytes kept at most; beyond either the cache starts
/// afresh (filters and pages make many keys; a reader polls few).
const MAX_DOCUMENTS: usize = 512;
const MAX_BYTES: usize = 64 << 20;

/// One rendered document in every encoding.
#[derive(Debug)]
pub struct Cached {
    /// The store generation it was rendered at.
    pub generation: u64,
    pub content_type: &'static str,
    /// Shared, not copied, by every response that sends them.
    pub identity: Bytes,
    pub gzip: Bytes,
    pub brotli: Bytes,
    /// Strong, from the content: equal bytes give equal tags.
    etag: String,
    /// When the content last changed (not merely re-rendered).
    pub last_modified: SystemTime,
}

/// An encoding a client accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best encoding `Accept-Encoding` allows: brotli, then gzip.
    pub fn negotiate(accept: Option<&str>) -> Encoding {
        // (coding, q) as listed; a coding named explicitly wins over "*".
        let listed: Vec<(String, f32)> = accept
            .unwrap_or("")
            .split(',')
            .map(|part| {
                let mut pieces = part.split(';');
                let coding = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (coding, q)
            })
            .collect();
        let q_of = |name: &str| {
            listed
                .iter()
                .find(|(c, _)| c == name)
                .or_else(|| listed.iter().find(|(c, _)| c == "*"))
                .map_or(0.0, |(_, q)| *q)
        };
        let accepted = |name: &str| q_of(name) > 0.0;
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

impl Cached {
    /// Compresses a freshly rendered document. If `previous` had the same
    /// bytes, its compressed forms and dates are kept.
    pub fn new(generation: u64, content_type: &'static str, body: String, previous: Option<&Cached>) -> Cached {
        let identity = Bytes::from(body.into_bytes());
        if let Some(previous) = previous.filter(|p| p.identity == identity) {
            return Cached {
                generation,
                content_type,
                identity,
                gzip: previous.gzip.clone(),
                brotli: previous.brotli.clone(),
                etag: previous.etag.clone(),
                last_modified: previous.last_modified,
            };
        }
        let digest = Sha256::digest(&identity);
        let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Cached {
            generation,
            content_type,
            gzip: Bytes::from(gzip(&identity)),
            brotli: Bytes::from(brotli(&identity)),
            identity,
            etag,
            // Whole seconds (HTTP dates have no fractions), and always later
            // than the previous version's, or a client holding that one and
            // asking If-Modified-Since would be told it is current.
            last_modified: match previous {
                Some(p) => whole_seconds(SystemTime::now()).max(p.last_modified + std::time::Duration::from_secs(1)),
                None => whole_seconds(SystemTime::now()),
            },
        }
    }

    /// The digest of the bytes, shared by every encoding's ETag.
    pub fn digest(&self) -> &str {
        &self.etag
    }

    /// Bytes held, all encodings.
    fn size(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len()
    }

    /// The strong ETag of one encoding (each representation has its own).
    pub fn etag(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Identity => format!("\"{}\"", self.etag),
            Encoding::Gzip => format!("\"{}-gz\"", self.etag),
            Encoding::Brotli => format!("\"{}-br\"", self.etag),
        }
    }

    pub fn body(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.identity.clone(),
            Encoding::Gzip => self.gzip.clone(),
            Encoding::Brotli => self.brotli.clone(),
        }
    }

    /// Whether the client's copy is current: `If-None-Match` decides when
    /// sent (RFC 9110 13.2.2), else `If-Modified-Since`.
    pub fn not_modified(
        &self,
        encoding: Encoding,
        if_none_match: Option<&str>,
        if_modified_since: Option<&str>,
    ) -> bool {
        if let Some(tags) = if_none_match {
            let ours = self.etag(encoding);
            return tags
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == ours);
        }
        if_modified_since
            .and_then(|date| httpdate::parse_http_date(date).ok())
            .is_some_and(|since| self.last_modified <= since)
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

/// The documents, by request key.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    documents: Arc<Mutex<HashMap<String, Arc<Cached>>>>,
}

impl Cache {
    /// The cached document for `key`, whatever its generation.
    pub fn get(&self, key: &str) -> Option<Arc<Cached>> {
        self.lock().get(key).cloned()
    }

    pub fn put(&self, key: String, document: Arc<Cached>) {
        let mut documents = self.lock();
        let bytes: usize = documents.values().map(|d| d.size()).sum();
        if (documents.len() >= MAX_DOCUMENTS && !documents.contains_key(&key)) || bytes + document.size() > MAX_BYTES {
            documents.clear();
        }
        documents.insert(key, document);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Cached>>> {
        // Held only for a map operation, never across an await.
        self.documents.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_negotiated_by_preference_and_q_values() {
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(Encoding::negotiate(Some("gzip;q=1.0, br;q=0")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("*")), Encoding::Brotli);
        assert_eq!(Encoding::negotiate(Some("*, br;q=0")), Encoding::Gzip);
        assert_eq!(
            Encoding::negotiate(Some("gzip;q=0, *;q=0.5, br;q=0")),
            Encoding::Identity
        );
    }

    #[test]
    fn validators_answer_conditional_requests() {
        let doc = Cached::new(1, "text/plain", "hello".repeat(100), None);
        let etag = doc.etag(Encoding::Gzip);
        assert!(doc.not_modified(Encoding::Gzip, Some(&etag), None));
        assert!(doc.not_modified(Encoding::Gzip, Some(&format!("\"x\", W/{etag}")), None));
        assert!(
            !doc.not_modified(Encoding::Brotli, Some(&etag), None),
            "each encoding has its own tag"
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + std::time::Duration::from_secs(60));
        assert!(doc.not_modified(Encoding::Identity, None, Some(&later)));
        assert!(!doc.not_modified(Encoding::Identity, None, Some("Thu, 01 Jan 1970 00:00:00 GMT")));
        // Changed bytes get a later date, even within the same second.
        let changed = Cached::new(2, "text/plain", "changed".into(), Some(&doc));
        assert!(changed.last_modified > doc.last_modified);
        // The same bytes re-rendered keep their tag and date.
        let again = Cached::new(2, "text/plain", "hello".repeat(100), Some(&doc));
        assert_eq!(again.etag(Encoding::Identity), doc.etag(Encoding::Identity));
        assert_eq!(again.last_modified, doc.last_modified);
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&doc.gzip[..]), &mut decoded).unwrap();
        assert_eq!(decoded, "hello".repeat(100));
    }
}
