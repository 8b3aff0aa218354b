//! Plain-text tables for the terminal (`sources`, `notify status`): each
//! column as wide as its widest cell, two spaces between columns.

/// The rows, header first, one line each. The last column is not padded
/// (it holds free text), and no line ends in spaces.
pub(crate) fn render<R: AsRef<[String]>>(rows: &[R]) -> String {
    let columns = rows.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.as_ref().get(i))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.as_ref().iter().enumerate() {
            if i + 1 == columns {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn columns_line_up_whatever_the_cells_widths() {
        let rows = [
            ["CHANNEL", "STATE", "COUNT"].map(String::from),
            ["ops", "delivered", "41"].map(String::from),
            ["phone-alerts", "dead", "2"].map(String::from),
        ];
        assert_eq!(
            render(&rows),
            "CHANNEL       STATE      COUNT\n\
             ops           delivered  41\n\
             phone-alerts  dead       2\n"
        );
    }

    #[test]
    fn an_empty_last_cell_leaves_no_trailing_spaces() {
        let rows = [["A", "B"].map(String::from), ["long value", ""].map(String::from)];
        assert_eq!(render(&rows), "A           B\nlong value\n");
    }
}
