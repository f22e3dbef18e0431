//! Headers for files sent as downloads. A stored file's name came from whoever uploaded it,
//! so it is never trusted to pick a type or to shape a header: the `Content-Disposition`
//! built here carries it in a form no quote, semicolon, line break or control character can
//! break out of.

/// Shown when a name has nothing usable left.
const FALLBACK_NAME: &str = "recording";

/// `attachment` with `name`: an ASCII-only `filename` for old clients (anything else replaced
/// with `_`) and the real name as RFC 5987 `filename*=UTF-8''…`, percent-encoded.
pub fn attachment(name: &str) -> String {
    let name: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let name = match name.trim() {
        "" => FALLBACK_NAME,
        trimmed => trimmed,
    };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            // `%` too: some clients percent-decode the plain parameter.
            '"' | '\\' | '%' | ';' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        // RFC 5987 attr-char; every other byte is percent-encoded.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn plain_names_pass_through() {
        assert_eq!(
            attachment("call-01.wav"),
            "attachment; filename=\"call-01.wav\"; filename*=UTF-8''call-01.wav"
        );
    }

    #[test]
    fn real_names_are_percent_encoded_with_an_ascii_fallback() {
        assert_eq!(
            attachment("звонок 1.mp3"),
            "attachment; filename=\"______ 1.mp3\"; \
             filename*=UTF-8''%D0%B7%D0%B2%D0%BE%D0%BD%D0%BE%D0%BA%201.mp3"
        );
    }

    #[test]
    fn nothing_in_a_name_breaks_the_header() {
        let header = attachment("a\"; filename=evil.html\r\nSet-Cookie: x=1%22.svg");
        assert_eq!(
            header,
            "attachment; filename=\"a__ filename=evil.htmlSet-Cookie: x=1_22.svg\"; \
             filename*=UTF-8''a%22%3B%20filename%3Devil.htmlSet-Cookie%3A%20x%3D1%2522.svg"
        );
        assert!(actix_web::http::header::HeaderValue::from_str(&header).is_ok());
        assert_eq!(
            header.matches('"').count(),
            2,
            "only the fallback's own quotes"
        );
    }

    #[test]
    fn empty_or_folder_names_get_a_fallback() {
        for name in ["", "  ", "\r\n", "dir/", "C:\\calls\\"] {
            assert_eq!(
                attachment(name),
                "attachment; filename=\"recording\"; filename*=UTF-8''recording",
                "{name:?}"
            );
        }
        assert!(attachment("../../etc/x.wav").contains("filename=\"x.wav\""));
    }
}
