//! The PDF report's font: `[reports] pdf_font` when given, else the first
//! of the system's fonts (fontdb: fontconfig's directories) that covers
//! the report's text. Chinese, Japanese and Korean text needs a font that
//! has it (Noto Sans CJK, Source Han Sans, WenQuanYi, Droid Sans
//! Fallback); Latin-only text takes any sans font. krilla embeds only the
//! glyphs used (a subset).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::PdfError;

/// Families tried first, best first: CJK-capable sans fonts, then common
/// Latin sans fonts (used when the text has no CJK).
const PREFERRED: &[&str] = &[
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Noto Sans",
    "DejaVu Sans",
    "Liberation Sans",
    "Arial",
    "Helvetica",
];

/// How to get a CJK font, for error messages.
pub(super) const CJK_HELP: &str = "install a CJK font (Debian/Ubuntu: apt install fonts-noto-cjk; Fedora: dnf install google-noto-sans-cjk-fonts) or set pdf_font under [reports] in the config to a .ttf/.otf/.ttc file that covers Chinese";

/// A font file's face, read into memory.
#[derive(Clone)]
pub(super) struct FontFile {
    pub data: Arc<Vec<u8>>,
    pub index: u32,
    pub name: String,
    pub path: PathBuf,
}

/// The faces a report is set in (bold falls back to regular).
pub(super) struct Chosen {
    pub regular: FontFile,
    pub bold: Option<FontFile>,
}

/// Chinese, Japanese or Korean script (and their punctuation and
/// full-width forms).
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0x2FDF | 0x3000..=0x30FF | 0x3100..=0x31FF
        | 0x3200..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// (CJK characters missing, other characters missing) of `chars` in a face.
fn missing(face: &ttf_parser::Face, chars: &BTreeSet<char>) -> (usize, usize) {
    let mut out = (0, 0);
    for &c in chars {
        if face.glyph_index(c).is_none() {
            if is_cjk(c) {
                out.0 += 1;
            } else {
                out.1 += 1;
            }
        }
    }
    out
}

fn face_name(face: &ttf_parser::Face) -> String {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::FULL_NAME && n.is_unicode())
        .find_map(|n| n.to_string())
        .unwrap_or_else(|| "unnamed".into())
}

/// Checks that `path` is a font file ttf-parser reads.
pub(super) fn check_file(path: &Path) -> Result<(), PdfError> {
    let data = std::fs::read(path).map_err(|e| PdfError::FontFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    ttf_parser::Face::parse(&data, 0).map_err(|e| PdfError::FontFile {
        path: path.to_path_buf(),
        reason: format!("not a font ttf-parser reads ({e})"),
    })?;
    Ok(())
}

/// The face of the font file at `path` that best covers `chars`.
fn from_file(path: &Path, chars: &BTreeSet<char>) -> Result<Chosen, PdfError> {
    let data = std::fs::read(path).map_err(|e| PdfError::FontFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let mut best: Option<((usize, usize, bool), u32, String)> = None;
    for index in 0..faces {
        let Ok(face) = ttf_parser::Face::parse(&data, index) else {
            continue;
        };
        let name = face_name(&face);
        let (cjk, other) = missing(&face, chars);
        // Simplified Chinese glyph shapes first, in a collection.
        let not_sc = !(name.contains(" SC") || name.contains(" CN") || name.contains("Hans"));
        let rank = (cjk, other, not_sc);
        if best.as_ref().is_none_or(|b| rank < b.0) {
            best = Some((rank, index, name));
        }
    }
    let Some(((cjk, _, _), index, name)) = best else {
        return Err(PdfError::FontFile {
            path: path.to_path_buf(),
            reason: "not a font ttf-parser reads".into(),
        });
    };
    if cjk > 0 {
        return Err(PdfError::NoCjkFont {
            sample: sample(chars),
            searched: format!("{} ({name}) lacks them", path.display()),
        });
    }
    Ok(Chosen {
        regular: FontFile {
            data: Arc::new(data),
            index,
            name,
            path: path.to_path_buf(),
        },
        bold: None,
    })
}

/// A few of the CJK characters of `chars`, for messages.
fn sample(chars: &BTreeSet<char>) -> String {
    chars.iter().filter(|c| is_cjk(**c)).take(6).collect()
}

fn read_face(db: &fontdb::Database, id: fontdb::ID) -> Option<FontFile> {
    let info = db.face(id)?;
    let path = match &info.source {
        fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
        fontdb::Source::Binary(_) => return None,
    };
    let data = std::fs::read(&path).ok()?;
    Some(FontFile {
        data: Arc::new(data),
        index: info.index,
        name: info
            .families
            .first()
            .map(|f| f.0.clone())
            .unwrap_or_else(|| info.post_script_name.clone()),
        path,
    })
}

/// The face (regular and, when there is one, bold) that covers `chars`:
/// `pdf_font` when given, else the system's fonts.
pub(super) fn choose(pdf_font: Option<&Path>, chars: &BTreeSet<char>) -> Result<Chosen, PdfError> {
    if let Some(path) = pdf_font {
        return from_file(path, chars);
    }
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    if db.is_empty() {
        return Err(PdfError::NoFont);
    }
    let regular = |family: &str, weight: fontdb::Weight| {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            weight,
            ..Default::default()
        })
    };
    let rank = |id: fontdb::ID| {
        db.with_face_data(id, |data, index| {
            ttf_parser::Face::parse(data, index)
                .map(|f| missing(&f, chars))
                .unwrap_or((usize::MAX, usize::MAX))
        })
        .unwrap_or((usize::MAX, usize::MAX))
    };
    // The preferred families in order; the first that has every CJK
    // character and misses nothing else wins, else the best of all.
    let mut best: Option<((usize, usize), fontdb::ID)> = None;
    for family in PREFERRED {
        let Some(id) = regular(family, fontdb::Weight::NORMAL) else {
            continue;
        };
        let r = rank(id);
        if r == (0, 0) {
            best = Some((r, id));
            break;
        }
        if best.is_none_or(|b| r < b.0) {
            best = Some((r, id));
        }
    }
    if best.is_none_or(|b| b.0 .0 > 0) {
        for info in db.faces() {
            if info.style != fontdb::Style::Normal || info.weight.0 > 500 || info.weight.0 < 400 {
                continue;
            }
            let r = rank(info.id);
            if best.is_none_or(|b| r < b.0) {
                best = Some((r, info.id));
            }
        }
    }
    let Some(((cjk, _), id)) = best else {
        return Err(PdfError::NoFont);
    };
    if cjk > 0 {
        return Err(PdfError::NoCjkFont {
            sample: sample(chars),
            searched: format!("none of the system's {} fonts has them", db.len()),
        });
    }
    let regular_file = read_face(&db, id).ok_or(PdfError::NoFont)?;
    // Bold of the same family, when it covers the text as well.
    let bold = regular(&regular_file.name, fontdb::Weight::BOLD)
        .filter(|b| *b != id)
        .filter(|b| db.face(*b).is_some_and(|f| f.weight.0 >= 600))
        .filter(|b| rank(*b).0 == 0)
        .and_then(|b| read_face(&db, b));
    Ok(Chosen {
        regular: regular_file,
        bold,
    })
}

/// A face ready to draw and to measure.
pub(super) struct Face<'a> {
    parsed: ttf_parser::Face<'a>,
    pub krilla: krilla::text::Font,
    units_per_em: f32,
    advances: RefCell<HashMap<char, f32>>,
}

impl<'a> Face<'a> {
    pub fn new(file: &'a FontFile) -> Result<Face<'a>, PdfError> {
        let bad = |reason: String| PdfError::FontFile {
            path: file.path.clone(),
            reason,
        };
        let parsed = ttf_parser::Face::parse(&file.data, file.index)
            .map_err(|e| bad(format!("face {} unreadable ({e})", file.index)))?;
        let krilla = krilla::text::Font::new(file.data.clone().into(), file.index)
            .ok_or_else(|| bad(format!("krilla cannot read face {}", file.index)))?;
        Ok(Face {
            units_per_em: parsed.units_per_em().max(1) as f32,
            parsed,
            krilla,
            advances: RefCell::new(HashMap::new()),
        })
    }

    /// Width of `text` at `size` points (advances without kerning: what
    /// line breaking needs).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let mut cache = self.advances.borrow_mut();
        let units: f32 = text
            .chars()
            .map(|c| {
                *cache.entry(c).or_insert_with(|| {
                    self.parsed
                        .glyph_index(c)
                        .and_then(|g| self.parsed.glyph_hor_advance(g))
                        .map(f32::from)
                        .unwrap_or(self.units_per_em * 0.5)
                })
            })
            .sum();
        units * size / self.units_per_em
    }
}

/// The regular and bold faces of a report.
pub(super) struct Fonts<'a> {
    pub regular: Face<'a>,
    pub bold: Option<Face<'a>>,
}

impl Fonts<'_> {
    pub fn face(&self, bold: bool) -> &Face<'_> {
        if bold {
            self.bold.as_ref().unwrap_or(&self.regular)
        } else {
            &self.regular
        }
    }
}
