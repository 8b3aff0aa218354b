//! Secrets in addresses: which query parameters look like credentials,
//! and the public form of an address that everything published (feeds,
//! OPML, `/sources.json`, the page at `/`, `thbwatch sources`, logs)
//! shows instead of the address itself. Pure.

use url::Url;

/// What a secret's value is replaced with.
pub(crate) const REDACTED: &str = "REDACTED";

/// A query parameter looks like a credential when one of the words of its
/// name (split at anything but letters and digits, and where a lower-case
/// letter meets a capital: `api_key`, `X-Amz-Signature`, `accessToken`) is
/// one of these, compared without regard to case...
pub(crate) const SECRET_WORDS: &[&str] = &[
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "signature",
    "sig",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "session",
    "sessionid",
    "sid",
    "jwt",
    "bearer",
    "hmac",
    "otp",
];

/// ...or when the whole name, its letters and digits run together, ends
/// with one of these (names written as one word: `apikey`, `accesstoken`,
/// `authkey`, `clientsecret`).
pub(crate) const SECRET_ENDINGS: &[&str] = &[
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "auth",
    "credential",
    "credentials",
    "sessionid",
];

/// Whether a query parameter's (decoded) name looks like a credential.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let together: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    words(name).iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || SECRET_ENDINGS.iter().any(|ending| together.ends_with(ending))
}

/// The words of a name, lower-cased.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut word));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase();
        word.extend(c.to_lowercase());
    }
    words.push(word);
    words.retain(|w| !w.is_empty());
    words
}

/// An address as it may be shown: the values of credential-looking query
/// parameters replaced by [`REDACTED`], no user name or password, no
/// fragment (a server never sees it anyway). Everything else as it was.
pub(crate) fn url(address: &Url) -> String {
    let mut public = address.clone();
    public.set_fragment(None);
    let _ = public.set_username("");
    let _ = public.set_password(None);
    if let Some(query) = address.query() {
        public.set_query(Some(&query_without_secrets(query)));
    }
    public.to_string()
}

/// An address to resolve a feed's relative links against (what they
/// become is published): without the credential-looking query parameters
/// (every query parameter when `all`), user name, password or fragment.
pub(crate) fn without_secrets(address: &Url, all: bool) -> Url {
    let mut base = address.clone();
    base.set_fragment(None);
    let _ = base.set_username("");
    let _ = base.set_password(None);
    let kept: Vec<&str> = address
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !all && !is_secret_name(&decoded_name(pair)))
        .collect();
    base.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
    base
}

/// The decoded name of a raw `name=value` pair.
fn decoded_name(pair: &str) -> String {
    let raw_name = pair.split_once('=').map_or(pair, |(name, _)| name);
    url::form_urlencoded::parse(raw_name.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

/// Only the origin of an address (`https://host:port/`): for an address
/// that is a secret as a whole (`url_env`, `url_file`).
pub(crate) fn origin(address: &Url) -> String {
    let origin = address.origin();
    if origin.is_tuple() {
        format!("{}/", origin.ascii_serialization())
    } else {
        "(hidden address)".to_string()
    }
}

/// A raw query string with the values of credential-looking parameters
/// replaced; the rest byte for byte.
fn query_without_secrets(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (raw_name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !value.is_empty() && is_secret_name(&decoded_name(pair)) {
                format!("{raw_name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Free text (an error message, a stored address) with every http(s)
/// address in it shown as [`url`] shows it.
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_address(rest) {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(candidate.len());
        match Url::parse(&candidate[..end]) {
            Ok(address) => out.push_str(&url(&address)),
            Err(_) => out.push_str(&candidate[..end]),
        }
        rest = &candidate[end..];
    }
    out.push_str(rest);
    out
}

fn find_address(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("http://"), lower.find("https://")]
        .into_iter()
        .flatten()
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_are_recognised_and_ordinary_ones_are_not() {
        for name in [
            "key",
            "api_key",
            "API-KEY",
            "apikey",
            "apiKey",
            "ApiKey",
            "access_token",
            "accessToken",
            "ACCESSTOKEN",
            "token",
            "auth",
            "auth_token",
            "oauth",
            "client_secret",
            "clientsecret",
            "password",
            "passwd",
            "pass",
            "signature",
            "sig",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "X-Amz-Security-Token",
            "subscription-key",
            "session_id",
            "jwt",
            "hmac",
        ] {
            assert!(is_secret_name(name), "{name} looks like a credential");
        }
        for name in [
            "q", "lang", "page", "keyword", "keywords", "author", "format", "category", "passage", "design", "id",
            "feed", "type", "tag",
        ] {
            assert!(!is_secret_name(name), "{name} is ordinary");
        }
    }

    #[test]
    fn only_the_secret_values_are_replaced() {
        let address = Url::parse(
            "https://api.example.org/v2/feed.rss?lang=lv&api_key=s3cr3t&q=human%20trafficking&Token=abc&sig=&page=2#access_token=xyz",
        )
        .unwrap();
        assert_eq!(
            url(&address),
            "https://api.example.org/v2/feed.rss?lang=lv&api_key=REDACTED&q=human%20trafficking&Token=REDACTED&sig=&page=2"
        );
        let encoded = Url::parse("https://x.example/?api%5Fkey=s3cr3t&a+b=c").unwrap();
        assert_eq!(url(&encoded), "https://x.example/?api%5Fkey=REDACTED&a+b=c");
        let plain = Url::parse("https://cbss.org/feed/").unwrap();
        assert_eq!(url(&plain), "https://cbss.org/feed/");
        let with_user = Url::parse("https://user:pw@x.example:8443/f?key=1").unwrap();
        assert_eq!(url(&with_user), "https://x.example:8443/f?key=REDACTED");
        assert_eq!(origin(&with_user), "https://x.example:8443/");
    }

    #[test]
    fn links_resolve_against_an_address_without_its_secrets() {
        let fetched = Url::parse("https://u:p@api.example/feed?lang=lv&api_key=k#top").unwrap();
        let base = without_secrets(&fetched, false);
        assert_eq!(base.as_str(), "https://api.example/feed?lang=lv");
        assert_eq!(
            base.join("#item-3").unwrap().as_str(),
            "https://api.example/feed?lang=lv#item-3"
        );
        assert_eq!(without_secrets(&fetched, true).as_str(), "https://api.example/feed");
        let only_secret = Url::parse("https://api.example/feed?token=t").unwrap();
        assert_eq!(
            without_secrets(&only_secret, false).as_str(),
            "https://api.example/feed"
        );
    }

    #[test]
    fn addresses_in_text_are_redacted() {
        assert_eq!(
            text("redirect loop: https://a.example/f?token=abc → http://b.example/?x=1&password=p"),
            "redirect loop: https://a.example/f?token=REDACTED → http://b.example/?x=1&password=REDACTED"
        );
        assert_eq!(text("no address here"), "no address here");
        assert_eq!(
            text("\"https://a.example/?key=k\""),
            "\"https://a.example/?key=REDACTED\""
        );
    }
}
