//! Which language an item is written in: detected from its text, else
//! what the entry, the source's configuration or the feed declares. Pure.
//! Detection scores all candidate languages in one pass over the text
//! (`score`), with whatlang's method and profiles (`profiles`).

#[cfg(test)]
mod agreement;
mod profiles;
#[cfg(test)]
mod reference;
mod score;

/// Text shorter than this (in characters) is too short to detect from.
const MIN_CHARS: usize = 40;
/// Detection reads at most this much of the text.
const MAX_CHARS: usize = 600;
/// How much of the text is read first when a language is declared.
const PREFIX_CHARS: usize = 200;

/// The primary language of a tag, as rules compare languages: lower case,
/// before any `-` or `_` ("lv-LV", "lv_LV" → "lv"), and Norwegian Bokmål
/// and Nynorsk as Norwegian ("nb", "nn" → "no"), which is what detection
/// answers.
pub(crate) fn primary(tag: &str) -> String {
    let primary = tag.split(['-', '_']).next().unwrap_or(tag).trim().to_ascii_lowercase();
    match primary.as_str() {
        "nb" | "nn" => "no".to_string(),
        _ => primary,
    }
}

/// Language detection, set up once.
#[derive(Default)]
pub struct Detect {
    scorer: score::Scorer,
}

impl std::fmt::Debug for Detect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Detect")
    }
}

/// Above this confidence an answer counts as reliable (whatlang's
/// threshold).
const RELIABLE: f64 = 0.9;

impl Detect {
    /// The language of `text` as an ISO 639-1 code, when detection is
    /// reliable. A `hint` detection cannot recognise (Icelandic) wins: the
    /// text would only be mistaken for a neighbour.
    ///
    /// When the hint is a language detection knows, and its start alone
    /// (the title and the first sentences) reliably reads as that
    /// language, the rest is not read: the whole sample would almost
    /// always say the same (see the agreement test below), and most items
    /// are in the language their source declares.
    pub fn detect(&self, text: &str, hint: Option<&str>) -> Option<String> {
        self.detect_reading(text, hint, PREFIX_CHARS)
    }

    /// [`Detect::detect`], reading `prefix` characters first.
    fn detect_reading(&self, text: &str, hint: Option<&str>, prefix: usize) -> Option<String> {
        let hint = match hint.map(primary) {
            Some(h) => match profiles::PROFILES.iter().find(|p| p.0 == h) {
                Some(profile) => Some(profile.0),
                None => return None,
            },
            None => None,
        };
        let sample = first_chars(text, MAX_CHARS);
        // The sample must have letters enough; its start too, to be
        // scored alone.
        let letters = letters_end(sample)?;
        // A distinct trigram per character at most, and one where the
        // text read ends; room for the start only when it may be all that
        // is read (the counts grow when the rest is read: a larger table
        // made up front costs more to zero than growing one does, when
        // three items in four read only their start).
        let first = if hint.is_some() { prefix } else { MAX_CHARS };
        let mut reading = score::Reading::with_capacity(sample.len().min(first) + 1);
        let mut read = 0;
        if let Some(hint) = hint {
            if let Some(end) = char_start(sample, prefix) {
                self.scorer.read(&mut reading, &sample[..end]);
                read = end;
                if letters <= end && self.reliable(&reading) == Some(hint) {
                    return Some(hint.to_string());
                }
            }
        }
        // The rest of the sample, read on from the start.
        self.scorer.read(&mut reading, &sample[read..]);
        self.reliable(&reading).map(str::to_string)
    }

    /// Detection over the whole sample, whatever the hint (what
    /// [`Detect::detect`] answered before it read starts alone).
    #[cfg(test)]
    pub(crate) fn detect_whole(&self, text: &str, hint: Option<&str>) -> Option<String> {
        if hint
            .map(primary)
            .is_some_and(|h| !profiles::PROFILES.iter().any(|p| p.0 == h))
        {
            return None;
        }
        let sample = first_chars(text, MAX_CHARS);
        letters_end(sample)?;
        let mut reading = score::Reading::with_capacity(sample.len() + 1);
        self.scorer.read(&mut reading, sample);
        self.reliable(&reading).map(str::to_string)
    }

    /// The scorer's answer for what was read, when it is reliable.
    fn reliable(&self, reading: &score::Reading) -> Option<&'static str> {
        let best = self.scorer.best(reading)?;
        (best.confidence > RELIABLE).then_some(best.code)
    }
}

/// The first `n` characters of `text` (all of it when it is shorter).
pub(crate) fn first_chars(text: &str, n: usize) -> &str {
    char_start(text, n).map_or(text, |end| &text[..end])
}

/// Where the character after the first `n` starts, if there is one: what
/// `text.char_indices().nth(n)` finds, found by counting the bytes that
/// start a character (all but 0x80 to 0xBF) in blocks, without a branch
/// per byte: at least one byte per character is still to come, so each
/// block is as long as the characters still to count.
fn char_start(text: &str, n: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Counted in bytes, 255 at a time: sums of bytes vectorise 16 to an
    // instruction where sums of `usize`s take one per 2 bytes.
    let starts = |block: &[u8]| -> usize {
        block
            .chunks(255)
            .map(|chunk| chunk.iter().fold(0u8, |n, &b| n + u8::from((b as i8) >= -0x40)))
            .map(usize::from)
            .sum()
    };
    let (mut at, mut seen) = (0, 0);
    while seen < n {
        let block = &bytes[at..bytes.len().min(at + (n - seen))];
        if block.is_empty() {
            return None;
        }
        seen += starts(block);
        at += block.len();
    }
    // `n` characters start before `at`: the next start is the one sought.
    at += bytes[at..].iter().take_while(|&&b| (b as i8) < -0x40).count();
    (at < bytes.len()).then_some(at)
}

/// Where the [`MIN_CHARS`]th letter of a text ends, if it has letters
/// enough to detect from: a start of the text ending there or later has
/// letters enough too.
fn letters_end(text: &str) -> Option<usize> {
    text.char_indices()
        .filter(|(_, c)| c.is_alphabetic())
        .nth(MIN_CHARS - 1)
        .map(|(at, c)| at + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_regions_languages_from_news_text() {
        let detect = Detect::default();
        let cases = [
            (
                "lv",
                "Valsts policija aizturējusi personas, kuras tiek turētas aizdomās par cilvēku tirdzniecību un piespiedu darbu.",
            ),
            (
                "lt",
                "Policija sulaikė asmenis, įtariamus prekyba žmonėmis ir priverstiniu darbu Lietuvoje ir užsienyje.",
            ),
            (
                "et",
                "Politsei pidas kinni inimesed, keda kahtlustatakse inimkaubanduses ja sunniviisilises töös Eestis.",
            ),
            (
                "ru",
                "Полиция задержала подозреваемых в торговле людьми и использовании принудительного труда.",
            ),
            (
                "pl",
                "Policja zatrzymała osoby podejrzane o handel ludźmi i wykorzystywanie do pracy przymusowej.",
            ),
            (
                "de",
                "Die Polizei hat mehrere Verdächtige wegen Menschenhandels und Zwangsarbeit festgenommen.",
            ),
            (
                "en",
                "Police have arrested several suspects on charges of human trafficking and forced labour.",
            ),
            (
                "fi",
                "Poliisi pidätti useita epäiltyjä ihmiskaupasta ja pakkotyöstä eri puolilla maata.",
            ),
        ];
        for (expected, text) in cases {
            assert_eq!(detect.detect(text, None).as_deref(), Some(expected), "{text}");
        }
    }

    /// Counting bytes finds the characters `char_indices` finds.
    #[test]
    fn first_chars_cuts_where_char_indices_cuts() {
        for text in ["", "a", "ab", "žmonėmis", "Край и ", "€𝄞x", "Cilvēku tirdzniecība"] {
            for n in 0..=text.len() + 1 {
                let expected = text.char_indices().nth(n).map(|(at, _)| at);
                assert_eq!(char_start(text, n), expected, "{text:?} {n}");
                assert_eq!(first_chars(text, n), expected.map_or(text, |at| &text[..at]));
            }
        }
    }

    /// Detection answers exactly as it did before it read the whole
    /// sample on from its start (and before the scorer's per-text
    /// tables), on every text of the labelled sets: declared in its own
    /// language, in another (every candidate and Icelandic in rotation),
    /// and in none.
    #[test]
    fn answers_are_the_answers_before() {
        let (detect, before) = (Detect::default(), reference::Scorer::default());
        let declared: Vec<&str> = profiles::PROFILES.iter().map(|p| p.0).chain(["is"]).collect();
        let texts = score::tests::labelled_texts();
        assert!(texts.len() > 10_000, "the labelled sets were read: {}", texts.len());
        let mut changed = Vec::new();
        for (i, (label, text)) in texts.iter().enumerate() {
            for hint in [None, Some(label.as_str()), Some(declared[i % declared.len()])] {
                let expected = reference::detect_reading(&before, text, hint, PREFIX_CHARS);
                if detect.detect(text, hint) != expected {
                    changed.push((hint, text));
                }
            }
        }
        assert!(
            changed.is_empty(),
            "{} changed answers: {:?}",
            changed.len(),
            &changed[..changed.len().min(5)]
        );
    }

    #[test]
    fn primary_languages_ignore_case_region_and_norwegian_written_forms() {
        for (tag, expected) in [
            ("lv", "lv"),
            ("lv-LV", "lv"),
            ("LV_lv", "lv"),
            ("nb-NO", "no"),
            ("nn", "no"),
            ("EN", "en"),
        ] {
            assert_eq!(primary(tag), expected, "{tag}");
        }
    }

    #[test]
    fn short_text_and_undetectable_hints_give_no_answer() {
        let detect = Detect::default();
        assert_eq!(detect.detect("Menschenhandel", None), None);
        let icelandic = "Lögreglan handtók nokkra menn sem grunaðir eru um mansal og nauðungarvinnu á Íslandi.";
        assert_eq!(detect.detect(icelandic, Some("is")), None);
        assert_eq!(detect.detect(icelandic, Some("IS-is")), None);
    }
}
