//! Page layout: the report is laid out first as drawing operations per A4
//! page (so the header can say "page 2 of 5"), then written by krilla
//! ([`super::emit`]). Coordinates are points from the top left.

use super::font::{is_cjk, Fonts};

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
/// Left and right margin.
pub const MARGIN: f32 = 42.0;
/// Where content starts under the running header, and ends above the footer.
pub const TOP: f32 = 66.0;
pub const BOTTOM: f32 = PAGE_H - 50.0;
/// Content width.
pub const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

/// A colour.
pub type Rgb = (u8, u8, u8);
pub const INK: Rgb = (0x1f, 0x29, 0x33);
pub const MUTED: Rgb = (0x61, 0x6e, 0x7c);
pub const LINE: Rgb = (0xe4, 0xe7, 0xeb);
pub const ACCENT: Rgb = (0x23, 0x66, 0xd1);
pub const WHITE: Rgb = (0xff, 0xff, 0xff);

/// `c` at `alpha` over white.
pub fn tint(c: Rgb, alpha: f32) -> Rgb {
    let m = |v: u8| (255.0 - (255.0 - v as f32) * alpha).round() as u8;
    (m(c.0), m(c.1), m(c.2))
}

/// One drawing operation.
#[derive(Debug, Clone)]
pub enum Op {
    /// Text on one line; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    /// A filled rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A stroked line.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Rgb,
    },
    /// A filled polygon.
    Poly { points: Vec<(f32, f32)>, color: Rgb },
    /// A clickable area opening `url`.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        url: String,
    },
}

/// Pages being filled, the cursor on the last.
pub struct Layout<'f> {
    pub fonts: &'f Fonts<'f>,
    pub pages: Vec<Vec<Op>>,
    /// Top of the free space on the last page.
    pub y: f32,
}

/// A piece of text in a table cell.
#[derive(Debug, Clone)]
pub struct Piece {
    pub text: String,
    pub size: f32,
    pub bold: bool,
    pub color: Rgb,
    /// Opened when the piece is clicked.
    pub link: Option<String>,
    /// Drawn as a coloured label (white text) when set.
    pub pill: Option<Rgb>,
    /// Lines at most (the last ends with `…` when cut).
    pub max_lines: usize,
}

impl Piece {
    pub fn new(text: impl Into<String>, size: f32) -> Piece {
        Piece {
            text: text.into(),
            size,
            bold: false,
            color: INK,
            link: None,
            pill: None,
            max_lines: 6,
        }
    }
    pub fn bold(mut self) -> Piece {
        self.bold = true;
        self
    }
    pub fn color(mut self, c: Rgb) -> Piece {
        self.color = c;
        self
    }
    pub fn link(mut self, url: Option<&str>) -> Piece {
        self.link = url.map(String::from);
        self
    }
    pub fn pill(mut self, c: Rgb) -> Piece {
        self.pill = Some(c);
        self
    }
    pub fn lines(mut self, n: usize) -> Piece {
        self.max_lines = n.max(1);
        self
    }
}

/// A table column: heading, width in points, right-aligned or not.
pub struct Column {
    pub title: String,
    pub width: f32,
    pub right: bool,
}

const CELL_PAD: f32 = 4.0;

impl<'f> Layout<'f> {
    pub fn new(fonts: &'f Fonts<'f>) -> Layout<'f> {
        Layout {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    pub fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` points fit under the cursor.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.fonts.face(bold).width(text, size)
    }

    pub fn line_height(size: f32) -> f32 {
        size * 1.4
    }

    /// Text on one line with its baseline at `y`.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        if !text.trim().is_empty() {
            self.push(Op::Text {
                x,
                y,
                size,
                bold,
                color,
                text: text.to_string(),
            });
        }
    }

    /// `text` right-aligned at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let w = self.width(text, size, false);
        self.text(right - w, y, size, false, color, text);
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        if w > 0.0 && h > 0.0 {
            self.push(Op::Rect { x, y, w, h, color });
        }
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        self.push(Op::Line {
            from,
            to,
            width,
            color,
        });
    }

    /// `text` broken into lines of at most `width` points: between words,
    /// and between any two CJK characters; a word longer than a line is
    /// cut. At most `max` lines, the last ending in `…` when cut.
    pub fn wrap(&self, text: &str, size: f32, bold: bool, width: f32, max: usize) -> Vec<String> {
        let face = self.fonts.face(bold);
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // Tokens: a space, a CJK character, or a run of anything else.
        let mut tokens: Vec<String> = Vec::new();
        for c in flat.chars() {
            let joins = !c.is_whitespace() && !is_cjk(c);
            match tokens.last_mut() {
                Some(t)
                    if joins
                        && t.chars()
                            .last()
                            .is_some_and(|l| !l.is_whitespace() && !is_cjk(l)) =>
                {
                    t.push(c)
                }
                _ => tokens.push(c.to_string()),
            }
        }
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut line_w = 0.0;
        for tok in tokens {
            let tw = face.width(&tok, size);
            if line_w + tw <= width || (line.is_empty() && tok == " ") {
                line.push_str(&tok);
                line_w += tw;
                continue;
            }
            if tok == " " {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
                continue;
            }
            if tw <= width {
                lines.push(std::mem::take(&mut line));
                line = tok;
                line_w = tw;
                continue;
            }
            // A word wider than a line: cut it by characters.
            for c in tok.chars() {
                let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                if line_w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        if !line.trim().is_empty() {
            lines.push(line);
        }
        for l in &mut lines {
            *l = l.trim().to_string();
        }
        if lines.len() > max {
            lines.truncate(max);
            if let Some(last) = lines.last_mut() {
                while !last.is_empty() && face.width(&format!("{last}…"), size) > width {
                    last.pop();
                }
                last.push('…');
            }
        }
        lines
    }

    /// A paragraph across the content width at the cursor, broken across
    /// pages when it has to be.
    pub fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: Rgb) {
        let lh = Self::line_height(size);
        for line in self.wrap(text, size, bold, WIDTH, usize::MAX) {
            self.ensure(lh);
            self.text(MARGIN, self.y + size, size, bold, color, &line);
            self.y += lh;
        }
    }

    /// A section heading (kept with `keep` points of what follows) and an
    /// optional note after it.
    pub fn heading(&mut self, title: &str, note: &str, keep: f32) {
        self.y += 10.0;
        self.ensure(22.0 + keep);
        self.text(MARGIN, self.y + 12.0, 12.0, true, INK, title);
        if !note.is_empty() {
            let w = self.width(title, 12.0, true);
            let note_w = WIDTH - w - 4.0;
            if let Some(first) = self.wrap(note, 8.0, false, note_w, 1).first() {
                self.text(MARGIN + w + 4.0, self.y + 12.0, 8.0, false, MUTED, first);
            }
        }
        self.y += 20.0;
    }

    fn piece_lines(&self, p: &Piece, width: f32) -> Vec<String> {
        if p.pill.is_some() {
            return vec![p.text.clone()];
        }
        self.wrap(&p.text, p.size, p.bold, width, p.max_lines)
    }

    fn cell_height(&self, cell: &[Piece], width: f32) -> f32 {
        cell.iter()
            .map(|p| self.piece_lines(p, width).len() as f32 * Self::line_height(p.size))
            .sum()
    }

    fn table_header(&mut self, x0: f32, cols: &[Column]) {
        let mut x = x0;
        for c in cols {
            let inner = c.width - 2.0 * CELL_PAD;
            let title = self.wrap(&c.title, 7.5, true, inner, 1).concat();
            if c.right {
                let w = self.width(&title, 7.5, true);
                self.text(
                    x + c.width - CELL_PAD - w,
                    self.y + 10.0,
                    7.5,
                    true,
                    MUTED,
                    &title,
                );
            } else {
                self.text(x + CELL_PAD, self.y + 10.0, 7.5, true, MUTED, &title);
            }
            x += c.width;
        }
        self.y += 15.0;
        let total: f32 = cols.iter().map(|c| c.width).sum();
        self.line((x0, self.y), (x0 + total, self.y), 0.8, LINE);
    }

    /// A table at `x0`: the heading row, then each row, the heading
    /// repeated on every page the table runs onto.
    pub fn table(&mut self, x0: f32, cols: &[Column], rows: &[Vec<Vec<Piece>>]) {
        let total: f32 = cols.iter().map(|c| c.width).sum();
        let first_h = rows
            .first()
            .map(|r| self.row_height(cols, r))
            .unwrap_or(0.0);
        self.ensure(15.0 + first_h);
        self.table_header(x0, cols);
        for row in rows {
            let h = self.row_height(cols, row);
            if self.y + h > BOTTOM {
                self.new_page();
                self.table_header(x0, cols);
            }
            let mut x = x0;
            for (c, cell) in cols.iter().zip(row) {
                let inner = c.width - 2.0 * CELL_PAD;
                let mut y = self.y + CELL_PAD;
                for p in cell {
                    let lh = Self::line_height(p.size);
                    let lines = self.piece_lines(p, inner);
                    for line in &lines {
                        let w = self.width(line, p.size, p.bold);
                        let tx = if c.right {
                            x + c.width - CELL_PAD - w
                        } else {
                            x + CELL_PAD
                        };
                        if let Some(bg) = p.pill {
                            self.rect(tx - 1.0, y + 1.0, w + 8.0, lh - 1.0, bg);
                            self.text(tx + 3.0, y + p.size + 1.5, p.size, p.bold, WHITE, line);
                        } else {
                            self.text(tx, y + p.size + 1.0, p.size, p.bold, p.color, line);
                        }
                        if let Some(url) = &p.link {
                            self.push(Op::Link {
                                x: tx,
                                y,
                                w,
                                h: lh,
                                url: url.clone(),
                            });
                        }
                        y += lh;
                    }
                }
                x += c.width;
            }
            self.y += h;
            self.line((x0, self.y), (x0 + total, self.y), 0.5, LINE);
        }
    }

    fn row_height(&self, cols: &[Column], row: &[Vec<Piece>]) -> f32 {
        cols.iter()
            .zip(row)
            .map(|(c, cell)| self.cell_height(cell, c.width - 2.0 * CELL_PAD))
            .fold(0.0, f32::max)
            + 2.0 * CELL_PAD
    }
}
