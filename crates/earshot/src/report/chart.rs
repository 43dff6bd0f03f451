//! Charts as inline SVG, drawn with plotters' SVG backend (text is
//! XML-escaped by the backend).

use chrono::{DateTime, Utc};
use plotters::prelude::*;

use crate::store::{Alert, Counts, Granularity};

use super::{Bucket, Language};

/// Colours of the sentiment classes (negative, neutral, positive, unscored).
pub const NEGATIVE: RGBColor = RGBColor(0xd6, 0x45, 0x45);
pub const NEUTRAL: RGBColor = RGBColor(0x9a, 0xa5, 0xb1);
pub const POSITIVE: RGBColor = RGBColor(0x3c, 0x9d, 0x5d);
pub const UNSCORED: RGBColor = RGBColor(0xc3, 0xcf, 0xe2);
const ALERT: RGBColor = RGBColor(0xb4, 0x23, 0x18);
const INK: RGBColor = RGBColor(0x33, 0x3d, 0x47);

/// The parts of a bucket, bottom to top, with their colours and names.
fn stack(c: &Counts) -> [(u64, RGBColor, &'static str); 4] {
    [
        (c.negative, NEGATIVE, "negative"),
        (c.neutral, NEUTRAL, "neutral"),
        (c.positive, POSITIVE, "positive"),
        (c.unscored, UNSCORED, "unscored"),
    ]
}

/// Volume per bucket stacked by sentiment, alerts marked as red lines at
/// the bucket they opened in. `size` is (width, height) in pixels.
pub fn timeline_svg(
    buckets: &[Bucket],
    granularity: Granularity,
    alerts: &[Alert],
    size: (u32, u32),
) -> String {
    timeline_svg_in(buckets, granularity, alerts, size, Language::En)
}

/// [`timeline_svg`] with its legend and dates in `lang`.
pub fn timeline_svg_in(
    buckets: &[Bucket],
    granularity: Granularity,
    alerts: &[Alert],
    size: (u32, u32),
    lang: Language,
) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_timeline(&mut svg, buckets, granularity, alerts, size, lang) {
        tracing::warn!("timeline chart not drawn: {e}");
        return String::new();
    }
    svg
}

fn draw_timeline(
    svg: &mut String,
    buckets: &[Bucket],
    granularity: Granularity,
    alerts: &[Alert],
    size: (u32, u32),
    lang: Language,
) -> Result<(), Box<dyn std::error::Error>> {
    let s = lang.strings();
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = buckets.len().max(1);
    let max = buckets
        .iter()
        .map(|b| b.counts.total)
        .max()
        .unwrap_or(0)
        .max(1);
    let y_max = (max as f64 * 1.15).ceil();
    let starts: Vec<DateTime<Utc>> = buckets.iter().map(|b| b.start).collect();
    let label = |x: &f64| -> String {
        let i = x.floor();
        if i < 0.0 || (i as usize) >= starts.len() || (x - i).abs() > 1e-9 {
            return String::new();
        }
        lang.bucket(starts[i as usize], granularity == Granularity::Hour)
    };
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..n as f64, 0f64..y_max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(0xee, 0xf1, 0xf4))
        .bold_line_style(RGBColor(0xe1, 0xe6, 0xeb))
        .axis_style(RGBColor(0x9a, 0xa5, 0xb1))
        .x_labels(n.min(10))
        .y_labels(6)
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 12).into_font().color(&INK))
        .draw()?;
    for (kind_index, name) in [s.negative, s.neutral, s.positive, s.unscored]
        .iter()
        .enumerate()
    {
        let color = stack(&Counts::default())[kind_index].1;
        let bars: Vec<Rectangle<(f64, f64)>> = buckets
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let parts = stack(&b.counts);
                let below: u64 = parts[..kind_index].iter().map(|p| p.0).sum();
                let h = parts[kind_index].0;
                (h > 0).then(|| {
                    Rectangle::new(
                        [
                            (i as f64 + 0.12, below as f64),
                            (i as f64 + 0.88, (below + h) as f64),
                        ],
                        color.filled(),
                    )
                })
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    let bucket_of = |t: DateTime<Utc>| -> Option<usize> {
        let start = granularity.bucket_start(t);
        starts.iter().position(|s| *s == start)
    };
    let mut marked = Vec::new();
    for a in alerts {
        if let Some(i) = bucket_of(a.opened_at) {
            if !marked.contains(&i) {
                marked.push(i);
            }
        }
    }
    if !marked.is_empty() {
        chart
            .draw_series(marked.iter().map(|&i| {
                let x = i as f64 + 0.5;
                PathElement::new(vec![(x, 0.0), (x, y_max * 0.97)], ALERT.stroke_width(2))
            }))?
            .label(s.alert)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 10, y)], ALERT.stroke_width(2)));
        chart.draw_series(marked.iter().map(|&i| {
            Text::new(
                "▲",
                (i as f64 + 0.5, y_max * 0.97),
                ("sans-serif", 12).into_font().color(&ALERT),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0xe1, 0xe6, 0xeb))
        .label_font(("sans-serif", 12).into_font().color(&INK))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Horizontal bars, one per `(label, value)`, largest first as given.
pub fn bars_svg(items: &[(String, u64)], color: RGBColor, width: u32) -> String {
    let mut svg = String::new();
    let height = 24 * items.len().max(1) as u32 + 30;
    if let Err(e) = draw_bars(&mut svg, items, color, (width, height)) {
        tracing::warn!("bar chart not drawn: {e}");
        return String::new();
    }
    svg
}

fn draw_bars(
    svg: &mut String,
    items: &[(String, u64)],
    color: RGBColor,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let n = items.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(6)
        .margin_right(40)
        .x_label_area_size(20)
        .y_label_area_size(0)
        .build_cartesian_2d(0f64..max * 1.0, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .light_line_style(RGBColor(0xf3, 0xf5, 0xf7))
        .bold_line_style(RGBColor(0xe1, 0xe6, 0xeb))
        .x_labels(5)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", 11).into_font().color(&INK))
        .draw()?;
    let top = n as f64;
    chart.draw_series(items.iter().enumerate().map(|(i, (_, v))| {
        let y = top - i as f64;
        Rectangle::new(
            [(0.0, y - 0.15), (*v as f64, y - 0.85)],
            color.mix(0.35).filled(),
        )
    }))?;
    chart.draw_series(items.iter().enumerate().map(|(i, (label, v))| {
        let y = top - i as f64 - 0.35;
        Text::new(
            format!("{label}  {v}"),
            (max * 0.01, y),
            ("sans-serif", 12).into_font().color(&INK),
        )
    }))?;
    root.present()?;
    Ok(())
}
