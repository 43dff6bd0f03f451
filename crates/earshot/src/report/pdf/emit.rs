//! Writes laid-out pages with krilla: text as real (searchable, copyable)
//! text in the embedded font subset, shapes as vector paths, links as
//! link annotations.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use krilla::Document;

use super::font::Fonts;
use super::layout::{Op, Rgb, PAGE_H, PAGE_W};
use super::PdfError;

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        ..Default::default()
    }
}

fn draw(surface: &mut Surface, fonts: &Fonts, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        } => {
            surface.set_fill(Some(fill(*color)));
            surface.draw_text(
                Point::from_xy(*x, *y),
                fonts.face(*bold).krilla.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { x, y, w, h, color } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Op::Line {
            from,
            to,
            width,
            color,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(from.0, from.1);
            pb.line_to(to.0, to.1);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width: *width,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Op::Poly { points, color } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            pb.close();
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Op::Link { .. } => {}
    }
}

/// The PDF of `pages`.
pub fn pdf(
    pages: &[Vec<Op>],
    fonts: &Fonts,
    title: &str,
    language: &str,
) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language(language.to_string())
            .creator("earshot".to_string()),
    );
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Write("bad page size".into()))?;
        let mut page = doc.start_page_with(settings);
        {
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, fonts, op);
            }
            surface.finish();
        }
        for op in ops {
            if let Op::Link { x, y, w, h, url } = op {
                if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                    page.add_annotation(
                        krilla::annotation::LinkAnnotation::new(
                            rect,
                            krilla::annotation::Target::Action(
                                krilla::action::LinkAction::new(url.clone()).into(),
                            ),
                        )
                        .into(),
                    );
                }
            }
        }
        page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
