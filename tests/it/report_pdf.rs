//! `earshot report --format pdf`: the real binary writes the PDF of the
//! fixture store (Chinese and English mentions, a syndicated story, an
//! alert); poppler's tools (installed by `make test`, as chromium is)
//! render its pages to PNG, extract its text and list its fonts.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{earshot, fixture_store, text, CHINESE_TITLE};

fn tool(name: &str) -> Command {
    let path = Path::new("/usr/bin").join(name);
    assert!(
        path.exists(),
        "{name} is missing: the PDF tests need poppler-utils and a CJK font (`make test` installs them: apt-get install poppler-utils fonts-noto-cjk)"
    );
    Command::new(path)
}

struct Written {
    _dir: tempfile::TempDir,
    root: PathBuf,
    pdf: PathBuf,
    json: serde_json::Value,
}

/// Writes the fixture store's PDF (and JSON, for the figures) in `lang`.
fn write_pdf(lang: &str) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let store = root.join("store");
    fixture_store(&store);
    let out = earshot()
        .current_dir(&root)
        .arg("--store")
        .arg(&store)
        .args([
            "report",
            "--watch",
            "云雀",
            "--watch",
            "Lumio",
            "--from",
            "30d",
            "--format",
            "pdf",
            "--format",
            "json",
            "--language",
            lang,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let mut pdf = None;
    let mut json = None;
    for e in std::fs::read_dir(root.join("reports")).unwrap() {
        let p = e.unwrap().path();
        match p.extension().and_then(|e| e.to_str()) {
            Some("pdf") => pdf = Some(p),
            Some("json") => {
                json = Some(serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap())
            }
            _ => {}
        }
    }
    Written {
        _dir: dir,
        root,
        pdf: pdf.expect("no PDF written"),
        json: json.expect("no JSON written"),
    }
}

/// The PDF's text, page by page (pdftotext separates pages with form feeds).
fn pdf_text(pdf: &Path) -> Vec<String> {
    let out = tool("pdftotext").arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut pages: Vec<String> = text(&out.stdout).split('\u{c}').map(String::from).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Renders every page to PNG; the files made.
fn png_pages(pdf: &Path, dir: &Path) -> Vec<PathBuf> {
    let prefix = dir.join("page");
    let out = tool("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("png"))
        .collect();
    pngs.sort();
    for p in &pngs {
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
    }
    pngs
}

#[test]
fn chinese_pdf_has_real_text_numbered_pages_and_a_font_subset() {
    let w = write_pdf("zh-CN");
    let bytes = std::fs::read(&w.pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf_text(&w.pdf);
    let n = pages.len();
    assert!(
        n >= 2,
        "the fixture's report fills more than one A4 page: {n}"
    );
    // Every page rendered, and numbered "page i of n".
    let pngs = png_pages(&w.pdf, &w.root);
    assert_eq!(pngs.len(), n);
    for (i, p) in pages.iter().enumerate() {
        assert!(
            p.contains(&format!("第 {} 页，共 {n} 页", i + 1)),
            "page {}:\n{p}",
            i + 1
        );
    }
    // Later pages carry the running header: the title and period.
    assert!(pages[1].contains("舆情报告：云雀, Lumio"), "{}", pages[1]);
    assert!(pages[1].contains("（UTC）"), "{}", pages[1]);
    let all = pages.concat();
    // The Chinese headline (the syndicated negative story), a site, the
    // headings in Chinese and the figures the JSON report has.
    for s in [
        CHINESE_TITLE,
        "数码周刊",
        "舆情报告",
        "提及量",
        "负面占比",
        "情感走势",
        "声量占比",
        "主要站点",
        "负面报道",
        "示例提及",
    ] {
        assert!(all.contains(s), "`{s}` missing from the PDF's text:\n{all}");
    }
    let total = w.json["total"]["total"].as_u64().unwrap();
    let negative = w.json["total"]["negative"].as_u64().unwrap();
    assert!(total > 0 && negative > 0);
    assert!(
        pages[0].contains(&total.to_string()),
        "total {total}:\n{}",
        pages[0]
    );
    assert!(
        pages[0].contains(&negative.to_string()),
        "negative {negative}:\n{}",
        pages[0]
    );
    // The syndicated story is one row that names its three sites.
    let story_rows = all.matches(CHINESE_TITLE).count();
    assert!(story_rows >= 1, "{all}");
    assert!(
        all.contains("今日数码") && all.contains("手机之家"),
        "{all}"
    );
    // Hostile text is text here too.
    assert!(all.contains("<script>"), "{all}");
    // Fonts embedded, as subsets (poppler: "emb yes, sub yes").
    let fonts = tool("pdffonts").arg(&w.pdf).output().unwrap();
    let fonts = text(&fonts.stdout);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        let name = cols[0];
        assert!(
            name.len() > 7 && name.as_bytes()[6] == b'+',
            "not a subset: {r}"
        );
        assert!(
            r.contains(" yes yes "),
            "not embedded as a subset: {r}\n{fonts}"
        );
    }
    // A subset of a CJK font, not the whole (Noto Sans CJK is ~16 MB).
    assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
}

#[test]
fn english_pdf_has_english_headings() {
    let w = write_pdf("en");
    let pages = pdf_text(&w.pdf);
    let n = pages.len();
    let all = pages.concat();
    for s in [
        "Mentions report: 云雀, Lumio",
        "Timeline by sentiment",
        "Share of voice",
        "Top sites",
        "Top negative stories",
        "Example mentions",
        &format!("Page 1 of {n}"),
        CHINESE_TITLE,
    ] {
        assert!(all.contains(s), "`{s}` missing:\n{all}");
    }
    assert!(!all.contains("舆情报告"), "{all}");
}

#[test]
fn a_pdf_font_without_chinese_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join("store");
    fixture_store(&store);
    let cfg = root.join("earshot.toml");
    // A Latin-only font (fonts-dejavu-core, on Debian with any font package).
    let latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    assert!(
        Path::new(latin).exists(),
        "{latin} missing: apt-get install fonts-dejavu-core"
    );
    std::fs::write(
        &cfg,
        format!("[[watch]]\nname = \"云雀\"\n\n[reports]\npdf_font = {latin:?}\n"),
    )
    .unwrap();
    let out = earshot()
        .current_dir(root)
        .arg("--config")
        .arg(&cfg)
        .arg("--store")
        .arg(&store)
        .args(["report", "--watch", "云雀", "--format", "pdf"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("no font for its Chinese/Japanese/Korean text"),
        "{err}"
    );
    assert!(err.contains("DejaVuSans.ttf"), "{err}");
    assert!(err.contains("apt install fonts-noto-cjk"), "{err}");
    assert!(
        !root.join("reports").exists()
            || std::fs::read_dir(root.join("reports"))
                .unwrap()
                .next()
                .is_none()
    );

    // A pdf_font that is not there is a config problem at its key.
    std::fs::write(
        &cfg,
        "[[watch]]\nname = \"云雀\"\n\n[reports]\npdf_font = \"/nonexistent/font.ttc\"\n",
    )
    .unwrap();
    let check = earshot()
        .args(["config", "check"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2));
    let err = text(&check.stderr);
    assert!(err.contains("`reports.pdf_font`"), "{err}");
    assert!(err.contains("/nonexistent/font.ttc"), "{err}");
    assert!(err.contains("fonts-noto-cjk"), "{err}");
}
