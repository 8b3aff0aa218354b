//! Rendered documents and what is kept of them. A document asked for
//! again is kept until the store changes (its generation), compressed
//! once at the best levels (gzip and brotli), and answered like a good
//! static file: strong `ETag`, `Last-Modified`, 304 for a matching
//! `If-None-Match` / `If-Modified-Since`. A document asked for once (a
//! search, a rare `Host`) is compressed at a fast level, only in the
//! encoding a client asks for, and forgotten but for its validators
//! (what is kept, and within which bounds: [`super::kept`]).

use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// One rendered document, in every encoding asked for.
#[derive(Debug)]
pub struct Cached {
    /// The store generation it was rendered at.
    pub generation: u64,
    pub content_type: &'static str,
    /// Shared, not copied, by every response that sends them.
    pub identity: Bytes,
    level: Level,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    validators: Validators,
}

/// How hard a document is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Served many times: both encodings at once, at the best levels.
    Best,
    /// Served once or twice: each encoding when first asked for, fast.
    Fast,
}

/// What tells a client whether its copy is current.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validators {
    /// Strong, from the content: equal bytes give equal tags.
    etag: String,
    /// When the content last changed (not merely re-rendered).
    pub last_modified: SystemTime,
}

impl Validators {
    /// Validators kept elsewhere: the bytes' digest and their date.
    pub(crate) fn new(digest: String, last_modified: SystemTime) -> Validators {
        Validators {
            etag: digest,
            last_modified,
        }
    }
}

/// An encoding a client accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best encoding `Accept-Encoding` allows: brotli, then gzip.
    pub(crate) fn negotiate(accept: Option<&str>) -> Encoding {
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

    pub(crate) fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

impl Cached {
    /// A freshly rendered document. When the same bytes were served
    /// before (as `previous`, or with one of the `earlier` validators:
    /// remembered in memory, stored in the database), their tag and date
    /// are kept, and so are `previous`'s compressed forms at the same
    /// level; new bytes get a date later than all of those. At
    /// [`Level::Best`] both encodings are made now: call it off the
    /// runtime's threads.
    pub fn new(
        generation: u64,
        content_type: &'static str,
        body: String,
        previous: Option<&Cached>,
        earlier: &[&Validators],
        level: Level,
    ) -> Cached {
        let identity = Bytes::from(body.into_bytes());
        let digest = Sha256::digest(&identity);
        let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let before: Vec<&Validators> = previous
            .map(|p| &p.validators)
            .into_iter()
            .chain(earlier.iter().copied())
            .collect();
        let validators = match before.iter().find(|v| v.etag == etag) {
            Some(same) => (*same).clone(),
            // Whole seconds (HTTP dates have no fractions), and always
            // later than the previous versions', or a client holding one
            // and asking If-Modified-Since would be told it is current.
            None => Validators {
                etag,
                last_modified: before
                    .iter()
                    .map(|v| v.last_modified + std::time::Duration::from_secs(1))
                    .fold(whole_seconds(SystemTime::now()), SystemTime::max),
            },
        };
        let cached = Cached {
            generation,
            content_type,
            identity,
            level,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            validators,
        };
        if let Some(previous) = previous.filter(|p| p.level == level && p.validators == cached.validators) {
            for encoding in [Encoding::Gzip, Encoding::Brotli] {
                if let Some(bytes) = previous.encoded(encoding) {
                    let _ = cached.slot(encoding).map(|slot| slot.set(bytes));
                }
            }
        }
        if level == Level::Best {
            cached.encode(Encoding::Gzip);
            cached.encode(Encoding::Brotli);
        }
        cached
    }

    /// Bytes held, all encodings made so far.
    pub(crate) fn size(&self) -> usize {
        let made = |slot: &OnceLock<Bytes>| slot.get().map_or(0, Bytes::len);
        self.identity.len() + made(&self.gzip) + made(&self.brotli)
    }

    pub(crate) fn validators(&self) -> &Validators {
        &self.validators
    }

    /// The digest of the bytes, shared by every encoding's ETag.
    pub(crate) fn digest(&self) -> &str {
        &self.validators.etag
    }

    pub(crate) fn last_modified(&self) -> SystemTime {
        self.validators.last_modified
    }

    /// The strong ETag of one encoding (each representation has its own).
    pub(crate) fn etag(&self, encoding: Encoding) -> String {
        let etag = &self.validators.etag;
        match encoding {
            Encoding::Identity => format!("\"{etag}\""),
            Encoding::Gzip => format!("\"{etag}-gz\""),
            Encoding::Brotli => format!("\"{etag}-br\""),
        }
    }

    /// The body in `encoding` if it has been made.
    pub(crate) fn encoded(&self, encoding: Encoding) -> Option<Bytes> {
        match self.slot(encoding) {
            None => Some(self.identity.clone()),
            Some(slot) => slot.get().cloned(),
        }
    }

    /// The body in `encoding`, compressing it first if needed (CPU work:
    /// call it off the runtime's threads).
    pub(crate) fn encode(&self, encoding: Encoding) -> Bytes {
        let Some(slot) = self.slot(encoding) else {
            return self.identity.clone();
        };
        slot.get_or_init(|| {
            let compressed = match encoding {
                Encoding::Brotli => brotli(&self.identity, self.level),
                _ => gzip(&self.identity, self.level),
            };
            Bytes::from(compressed)
        })
        .clone()
    }

    fn slot(&self, encoding: Encoding) -> Option<&OnceLock<Bytes>> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some(&self.gzip),
            Encoding::Brotli => Some(&self.brotli),
        }
    }

    /// Whether the client's copy is current: `If-None-Match` decides when
    /// sent (RFC 9110 13.2.2), else `If-Modified-Since`.
    pub(crate) fn not_modified(
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
            .is_some_and(|since| self.validators.last_modified <= since)
    }
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

fn gzip(bytes: &[u8], level: Level) -> Vec<u8> {
    let level = match level {
        Level::Best => flate2::Compression::best(),
        Level::Fast => flate2::Compression::fast(),
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn brotli(bytes: &[u8], level: Level) -> Vec<u8> {
    let mut out = Vec::new();
    // A window no larger than the document: more would only cost memory.
    let lgwin = (usize::BITS - bytes.len().max(1).leading_zeros()).clamp(16, 22) as i32;
    let params = brotli::enc::BrotliEncoderParams {
        quality: match level {
            Level::Best => 9,
            Level::Fast => 1,
        },
        lgwin,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
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
        let doc = Cached::new(1, "text/plain", "hello".repeat(100), None, &[], Level::Best);
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
        let changed = Cached::new(2, "text/plain", "changed".into(), Some(&doc), &[], Level::Best);
        assert!(changed.last_modified() > doc.last_modified());
        // The same bytes re-rendered keep their tag and date, and also when
        // only their validators were remembered.
        let again = Cached::new(2, "text/plain", "hello".repeat(100), Some(&doc), &[], Level::Best);
        assert_eq!(again.etag(Encoding::Identity), doc.etag(Encoding::Identity));
        assert_eq!(again.last_modified(), doc.last_modified());
        let remembered = Cached::new(
            3,
            "text/plain",
            "hello".repeat(100),
            None,
            &[doc.validators()],
            Level::Fast,
        );
        assert_eq!(remembered.validators(), doc.validators());
        let mut decoded = String::new();
        let gzipped = doc.encoded(Encoding::Gzip).unwrap();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut decoded).unwrap();
        assert_eq!(decoded, "hello".repeat(100));
    }

    #[test]
    fn fast_documents_compress_only_the_encodings_asked_for() {
        let doc = Cached::new(1, "text/plain", "hello ".repeat(1000), None, &[], Level::Fast);
        assert!(doc.encoded(Encoding::Gzip).is_none() && doc.encoded(Encoding::Brotli).is_none());
        assert_eq!(doc.size(), 6000);
        let brotli = doc.encode(Encoding::Brotli);
        assert!(brotli.len() < 200, "{} bytes", brotli.len());
        assert!(doc.encoded(Encoding::Gzip).is_none());
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut decoded).unwrap();
        assert_eq!(decoded, doc.identity);
    }
}
