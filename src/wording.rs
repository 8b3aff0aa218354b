//! Counted nouns in what people read (`systemctl status`, command output):
//! "1 source", "2 sources".

/// `n` followed by the noun's singular or plural form.
pub fn counted(n: u64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1, "channel", "channels"), "1 channel");
        assert_eq!(counted(0, "channel", "channels"), "0 channels");
        assert_eq!(counted(2, "delivery", "deliveries"), "2 deliveries");
    }
}
