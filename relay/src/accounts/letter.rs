//! The printable login letter (登録案内状): an A4 page in Japanese with the
//! login id, the initial password and the steps to install and log in.
//!
//! The letter holds the initial password in clear, and the relay stores
//! only its hash, so the letter exists only in the response that created
//! the password (approval, or a staff "new letter" that resets it). It is
//! never stored and never logged.

use crate::city::City;

/// What the letter says about one family.
#[derive(Debug, Clone, Copy)]
pub struct LetterFacts<'a> {
    /// The city.
    pub city: &'a City,
    /// The first guardian's name, for the address line.
    pub addressee: &'a str,
    /// The application's receipt number.
    pub receipt: &'a str,
    /// The login id.
    pub login_id: &'a str,
    /// The one-time initial password.
    pub initial_password: &'a str,
    /// The address of the parent app, e.g. `https://relay.example/parent/`.
    pub app_url: &'a str,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The letter as one self-contained HTML document, laid out for A4 paper.
pub fn render(facts: &LetterFacts<'_>) -> String {
    let city = escape(&facts.city.city_name_ja);
    let addressee = escape(facts.addressee);
    let receipt = escape(facts.receipt);
    let login_id = escape(facts.login_id);
    let password = escape(facts.initial_password);
    let url = escape(facts.app_url);
    format!(
        r#"<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<title>登録案内状 — {city}こどもルーム</title>
<style>
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: "Hiragino Kaku Gothic ProN", "Noto Sans JP", "Yu Gothic", sans-serif; font-size: 11pt; line-height: 1.7; color: #000; }}
h1 {{ font-size: 18pt; text-align: center; margin: 0 0 8mm; }}
table.credentials {{ border-collapse: collapse; margin: 6mm auto; font-size: 14pt; }}
table.credentials th, table.credentials td {{ border: 1px solid #000; padding: 3mm 6mm; }}
table.credentials td {{ font-family: "Courier New", monospace; letter-spacing: 0.08em; font-size: 16pt; }}
ol li {{ margin-bottom: 2mm; }}
.note {{ border: 1px dashed #000; padding: 3mm; font-size: 10pt; }}
.right {{ text-align: right; }}
</style></head>
<body>
<p class="right">受付番号 {receipt}</p>
<p>{addressee} 様</p>
<h1>こどもルーム 登録案内状</h1>
<p>{city}のこどもルームへの事前登録を受け付けました。保護者アプリへのログインに必要なIDと初期パスワードをお知らせします。</p>
<table class="credentials">
<tr><th>ログインID</th><td>{login_id}</td></tr>
<tr><th>初期パスワード</th><td>{password}</td></tr>
</table>
<h2>はじめての使い方</h2>
<ol>
<li>スマートフォンのブラウザで <strong>{url}</strong> を開きます。</li>
<li>「ホーム画面に追加」を選ぶと、アプリとして使えます（インストール）。</li>
<li>上のログインIDと初期パスワードでログインします。IDの英字は大文字・小文字どちらでも、ハイフンは省略してもかまいません。</li>
<li>はじめてのログインでは、初期パスワードを新しいパスワード（8文字以上）に変更します。</li>
<li>利用するこどもルームを選ぶ（本登録）と、受付用のQRコードが表示されます。来館時に受付端末にかざしてください。</li>
</ol>
<p class="note">この案内状には初期パスワードが記載されています。他の人に見せず、パスワード変更後は破棄してください。紛失した場合はお近くのこどもルームの職員にお申し出ください（新しい案内状を発行します）。</p>
<p class="right">{city} こどもルーム</p>
</body></html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letter_shows_the_credentials_and_escapes_names() {
        let city = City::demo();
        let html = render(&LetterFacts {
            city: &city,
            addressee: "<script>広場</script>",
            receipt: "AP-2345-6789",
            login_id: "HB-ABCD-EFGH",
            initial_password: "abcd-efgh-jkmn",
            app_url: "http://127.0.0.1:8080/parent/",
        });
        assert!(html.contains("HB-ABCD-EFGH"));
        assert!(html.contains("abcd-efgh-jkmn"));
        assert!(html.contains("size: A4"));
        assert!(html.contains("lang=\"ja\""));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;広場"));
    }
}
