//! The dashboard in English and Chinese: `earshot serve` over a fixture
//! store, spoken to over HTTP with and without `Accept-Language`, the
//! EN / 中文 switch, `[serve] language` and `[serve] timezone`.

use reqwest::header;

use crate::dashboard::{client, rt, serve, start};
use crate::util::{earshot, fixture_config, fixture_store, text};

async fn page(
    c: &reqwest::Client,
    url: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let mut rq = c.get(url).bearer_auth(token);
    for (k, v) in extra {
        rq = rq.header(*k, *v);
    }
    let r = rq.send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK, "{url}");
    let cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("\n");
    (r.text().await.unwrap(), cookie)
}

#[test]
fn accept_language_zh_gives_chinese_and_the_switch_wins_over_it() {
    let s = serve();
    let c = client();
    rt().block_on(async {
        let root = format!("{}/", s.base);
        // No header: English, as always.
        let (en, _) = page(&c, &root, &s.viewer, &[]).await;
        assert!(en.contains("<html lang=\"en\">"), "{en}");
        assert!(en.contains("Timeline by sentiment") && en.contains("Time (UTC)"));
        assert!(!en.contains("情感时间线"));

        for tag in ["zh-CN,zh;q=0.9,en;q=0.8", "zh-TW", "zh-Hans"] {
            let (zh, _) = page(&c, &root, &s.viewer, &[("accept-language", tag)]).await;
            assert!(zh.contains("<html lang=\"zh-CN\">"), "{tag}: {zh}");
            for word in [
                "情感时间线",
                "本期提及",
                "全部监测项",
                "筛选",
                "时间 (UTC)",
                "当前用户 vera (查看者)",
            ] {
                assert!(zh.contains(word), "{tag}: no {word}");
            }
            assert!(!zh.contains("Timeline by sentiment"), "{tag}");
            // the exports are written in the page's language
            assert!(
                zh.contains("format=pdf&amp;language=zh-CN"),
                "{tag}: the PDF export link does not carry zh-CN"
            );
        }
        // An English browser stays English.
        let (en, _) = page(
            &c,
            &root,
            &s.viewer,
            &[("accept-language", "en-US,fr;q=0.5")],
        )
        .await;
        assert!(en.contains("<html lang=\"en\">"));

        // The switch: ?lang=en over a Chinese browser, remembered in a cookie.
        let (sw, cookie) = page(
            &c,
            &format!("{root}?lang=en"),
            &s.viewer,
            &[("accept-language", "zh-CN")],
        )
        .await;
        assert!(sw.contains("<html lang=\"en\">") && sw.contains("Timeline by sentiment"));
        assert!(cookie.contains("earshot_lang=en"), "{cookie}");
        let (kept, _) = page(
            &c,
            &root,
            &s.viewer,
            &[("accept-language", "zh-CN"), ("cookie", "earshot_lang=en")],
        )
        .await;
        assert!(
            kept.contains("<html lang=\"en\">"),
            "the cookie did not win"
        );
        // And the other way: 中文 for an English browser; the page links both.
        let (zh, cookie) = page(
            &c,
            &format!("{root}?lang=zh-CN"),
            &s.viewer,
            &[("accept-language", "en")],
        )
        .await;
        assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("情感时间线"));
        assert!(cookie.contains("earshot_lang=zh-CN"), "{cookie}");
        assert!(
            zh.contains("lang=en\">EN</a>") && zh.contains("<strong lang=\"zh-CN\">中文</strong>"),
            "{zh}"
        );

        // The sign-in page follows too.
        let r = c
            .get(format!("{}/login", s.base))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        let login = r.text().await.unwrap();
        assert!(
            login.contains("<html lang=\"zh-CN\">") && login.contains("请使用看板令牌登录"),
            "{login}"
        );
        let r = c.get(format!("{}/login", s.base)).send().await.unwrap();
        let login = r.text().await.unwrap();
        assert!(
            login.contains("Sign in with your dashboard token."),
            "{login}"
        );
        // A refused sign-in says why in the browser's language.
        for (tag, why) in [
            ("zh-CN", "该令牌无效。"),
            ("en", "That token is not valid."),
        ] {
            let r = c
                .post(format!("{}/login", s.base))
                .header("accept-language", tag)
                .form(&[("token", "nope")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
            let body = r.text().await.unwrap();
            assert!(body.contains(why), "{tag}: {body}");
        }
    });
}

#[test]
fn configured_language_and_timezone_apply_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mentions = fixture_store(&store);
    let (cfg, viewer, admin) = fixture_config();
    let cfg_path = dir.path().join("earshot.toml");

    // Bad values: `config check` says which key and how to fix it.
    let bad = cfg.replace(
        "[serve]\n",
        "[serve]\nlanguage = \"fr\"\ntimezone = \"Mars/Olympus\"\n",
    );
    std::fs::write(&cfg_path, &bad).unwrap();
    let out = earshot()
        .args(["config", "check"])
        .arg(&cfg_path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("serve.language") && err.contains("`fr` is not a dashboard language"),
        "{err}"
    );
    assert!(err.contains("\"zh-CN\""), "no fix: {err}");
    assert!(
        err.contains("serve.timezone") && err.contains("Asia/Shanghai"),
        "{err}"
    );

    // Good values: Chinese whatever the browser says, Shanghai time.
    let good = cfg.replace(
        "[serve]\n",
        "[serve]\nlanguage = \"zh-CN\"\ntimezone = \"Asia/Shanghai\"\n",
    );
    std::fs::write(&cfg_path, &good).unwrap();
    let out = earshot()
        .args(["config", "check"])
        .arg(&cfg_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = start(dir, &cfg_path, &store, viewer, admin, mentions);
    let c = client();
    rt().block_on(async {
        let (zh, _) = page(
            &c,
            &format!("{}/", s.base),
            &s.viewer,
            &[("accept-language", "en-US")],
        )
        .await;
        assert!(zh.contains("<html lang=\"zh-CN\">"), "{zh}");
        assert!(zh.contains("时间 (Asia/Shanghai)"), "{zh}");
        // Dates are written the Chinese way: 2026年11月3日 08:05.
        let dated =
            regex::Regex::new(r#"<td class="muted">\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}</td>"#)
                .unwrap();
        assert!(dated.is_match(&zh), "no Chinese dates: {zh}");
        // The viewer's switch still wins over the configured language.
        let (en, _) = page(&c, &format!("{}/?lang=en", s.base), &s.viewer, &[]).await;
        assert!(en.contains("<html lang=\"en\">") && en.contains("Time (Asia/Shanghai)"));
    });
}
