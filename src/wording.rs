//! Counted nouns in what people read (`systemctl status`, command output):
//! "1 source", "2 sources".

/// `n` followed by the noun's singular or plural form.
pub fn counted(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(1u64, "channel", "channels"), "1 channel");
        assert_eq!(counted(0u64, "channel", "channels"), "0 channels");
        assert_eq!(counted(2u32, "delivery", "deliveries"), "2 deliveries");
    }
}
