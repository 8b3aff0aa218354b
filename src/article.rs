//! An article page ─▶ its main text, as plain text: with the source's
//! `full_text_selector` when it has one, else with a readability-style
//! extractor (dom_smoothie, a port of Mozilla's Readability) that leaves
//! navigation, cookie banners and lists of related articles behind.
//! Scripts and styles are never text; the result carries no markup and no
//! hidden controls. No I/O here.

use dom_query::{Document, Matcher};
use url::Url;

/// The longest article text kept, in characters.
pub(crate) const MAX_TEXT_CHARS: usize = 200_000;
/// Pages with more elements than this are not searched for an article
/// (a hostile page could otherwise cost seconds of scoring).
const MAX_ELEMENTS: usize = 200_000;

/// Why no text came out of a page.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("the full_text_selector {0:?} matched nothing on the article page")]
    NothingSelected(String),
    #[error("no article text found on the page")]
    NoText,
    #[error("the page is too large to search for an article: {0}")]
    TooComplex(String),
    #[error("the HTML parser crashed on this page")]
    Crashed,
}

/// The main text of the page at `url`: paragraphs separated by blank lines.
pub fn extract(bytes: &[u8], content_type: Option<&str>, url: &Url, selector: Option<&str>) -> Result<String, Error> {
    let html = crate::decode::html_to_utf8(bytes, content_type);
    // An article nested deeper than browsers read is read up to there.
    let (html, _) = crate::listing::bounded(&html);
    let text = std::panic::catch_unwind(|| match selector {
        Some(selector) => selected(html, selector),
        None => readable(html, url),
    })
    .unwrap_or(Err(Error::Crashed))?;
    let text = crate::normalize::clean(&paragraphs(&text), MAX_TEXT_CHARS);
    if text.trim().is_empty() {
        return Err(Error::NoText);
    }
    Ok(text)
}

/// The text of every element the selector matches, in page order.
fn selected(html: &str, selector: &str) -> Result<String, Error> {
    let doc = Document::from(html);
    doc.select("script, style, noscript, template").remove();
    // Checked when the configuration was read.
    let matcher = Matcher::new(selector).map_err(|_| Error::NothingSelected(selector.to_string()))?;
    let found = doc.select_matcher(&matcher);
    if found.is_empty() {
        return Err(Error::NothingSelected(selector.to_string()));
    }
    let parts: Vec<String> = found.nodes().iter().map(|n| n.formatted_text().to_string()).collect();
    Ok(parts.join("\n\n"))
}

fn readable(html: &str, url: &Url) -> Result<String, Error> {
    let config = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    let mut reader = dom_smoothie::Readability::new(html, Some(url.as_str()), Some(config)).map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => Error::TooComplex(e.to_string()),
        _ => Error::NoText,
    })?;
    let article = reader.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => Error::TooComplex(e.to_string()),
        _ => Error::NoText,
    })?;
    Ok(article.text_content.to_string())
}

/// Lines trimmed, runs of blank lines folded into one.
fn paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests;
