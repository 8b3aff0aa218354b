//! Search hits marked in HTML: the text escaped, each range the search
//! found in `<mark>`, and excerpts cut around the first hit. Pure.

/// `text` escaped for HTML with each range in `<mark>`.
pub(super) fn marked(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + ranges.len() * 13);
    let mut at = 0;
    for &(start, end) in ranges {
        if start < at || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&super::escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&super::escape(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&super::escape(&text[at..]));
    out
}

/// About `width` characters of `text` around its first range, escaped,
/// the ranges inside marked, "…" where it was cut; `None` when no range.
pub(super) fn excerpt(text: &str, ranges: &[(usize, usize)], width: usize) -> Option<String> {
    let &(first, _) = ranges.first()?;
    let back = width / 3;
    let start = text[..first].char_indices().rev().nth(back).map_or(0, |(i, _)| i);
    let end = text[start..]
        .char_indices()
        .nth(width)
        .map_or(text.len(), |(i, _)| start + i);
    let inside: Vec<(usize, usize)> = ranges
        .iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| (s - start, e - start))
        .collect();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&marked(&text[start..end], &inside));
    if end < text.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::parse;

    #[test]
    fn hits_are_marked_in_the_original_words() {
        let search = parse("cilveku tirdz* -policija").unwrap();
        let text = "Cilvēku TIRDZNIECĪBA un policija";
        assert_eq!(
            marked(text, &search.ranges(text)),
            "<mark>Cilvēku</mark> <mark>TIRDZNIECĪBA</mark> un policija"
        );
        let search = parse("strasse").unwrap();
        assert_eq!(
            marked("Straße <b>", &search.ranges("Straße <b>")),
            "<mark>Straße</mark> &lt;b&gt;"
        );
    }

    #[test]
    fn excerpts_cut_around_the_first_hit() {
        let text = format!("{} Prekyba žmonėmis {}", "a ".repeat(200), "b ".repeat(200));
        let search = parse("zmonemis").unwrap();
        let excerpt = excerpt(&text, &search.ranges(&text), 60).unwrap();
        assert!(excerpt.starts_with('…') && excerpt.ends_with('…'), "{excerpt}");
        assert!(excerpt.contains("<mark>žmonėmis</mark>"), "{excerpt}");
    }
}
