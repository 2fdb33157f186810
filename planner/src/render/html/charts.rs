//! The report's charts as inline SVG, drawn with `plotters` on its SVG backend: the
//! cost–resilience frontier, horizontal bars (stacked or grouped) for costs, and grids
//! for the scenario heat map and RTO/RPO compliance. Colours come from palettes that
//! stay apart for the common colour-vision deficiencies and in greyscale (viridis for
//! categories, a light-to-dark scale for states), and every state also has a glyph,
//! so no reading depends on hue alone. Each chart has a data table beside it in the
//! page; the SVG carries a `<title>` for screen readers.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width every chart is drawn at; the page scales it down to fit.
pub const WIDTH: u32 = 760;

/// Seven steps of viridis, dark to light: distinct in hue for every common form of
/// colour blindness and monotone in lightness, so they also order in greyscale.
pub const CATEGORY: [RGBColor; 7] = [
    RGBColor(0x44, 0x01, 0x54),
    RGBColor(0x44, 0x39, 0x83),
    RGBColor(0x31, 0x68, 0x8e),
    RGBColor(0x21, 0x91, 0x8c),
    RGBColor(0x35, 0xb7, 0x79),
    RGBColor(0x90, 0xd7, 0x43),
    RGBColor(0xfd, 0xe7, 0x25),
];

const INK: RGBColor = RGBColor(0x1f, 0x23, 0x28);
const MUTED: RGBColor = RGBColor(0x5f, 0x66, 0x6d);
const GRID: RGBColor = RGBColor(0xd5, 0xd9, 0xde);
const ACCENT: RGBColor = RGBColor(0x31, 0x68, 0x8e);
const WARN: RGBColor = RGBColor(0xb3, 0x58, 0x06);

/// A state a grid cell shows: fill, glyph and whether its text is white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Up / target met: the lightest fill.
    Good,
    /// Degraded: a mid-light orange.
    Warn,
    /// Down / target missed: the darkest fill.
    Bad,
    /// No target, or not applicable: white with a grey edge.
    None,
}

impl Tone {
    fn fill(self) -> RGBColor {
        match self {
            Tone::Good => RGBColor(0xde, 0xeb, 0xf7),
            Tone::Warn => RGBColor(0xf4, 0xa2, 0x59),
            Tone::Bad => RGBColor(0x54, 0x27, 0x88),
            Tone::None => RGBColor(0xff, 0xff, 0xff),
        }
    }

    fn ink(self) -> RGBColor {
        match self {
            Tone::Bad => WHITE,
            _ => INK,
        }
    }

    /// The CSS class the page's tables use for the same state.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::None => "none",
        }
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn font(size: f64) -> TextStyle<'static> {
    // plotters writes font-size as size / 1.24; pass pixels × 1.24.
    ("sans-serif", size * 1.24).into_font().color(&INK)
}

fn text_at(area: &Area<'_>, s: &str, (x, y): (i32, i32), style: &TextStyle<'_>) {
    let _ = area.draw(&Text::new(s.to_string(), (x, y), style.clone()));
}

fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Rough width of text in pixels at `size` (the SVG's real font decides; this only
/// reserves room).
fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size * 0.6).ceil() as i32
}

/// Makes plotters' SVG fit the page: drops the fixed size (the viewBox stays, so it
/// scales), and gives it a role and a title for assistive technology.
fn finish(svg: String, id: &str, title: &str, width: u32, height: u32) -> String {
    let head = format!(r#"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}""#);
    let title = super::escape(title);
    let open = format!(
        r#"<svg viewBox="0 0 {width} {height}" class="chart-svg" role="img" aria-labelledby="{id}-title" style="max-width:{width}px""#
    );
    let mut s = svg.replacen(&head, &open, 1);
    if let Some(end) = s.find('>') {
        s.insert_str(
            end + 1,
            &format!(r#"<title id="{id}-title">{title}</title>"#),
        );
    }
    // One element per line is plotters' habit; the page does not need the bytes.
    s.replace("\n", "")
}

fn draw(width: u32, height: u32, id: &str, title: &str, paint: impl FnOnce(&Area<'_>)) -> String {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        paint(&root);
        let _ = root.present();
    }
    finish(buf, id, title, width, height)
}

/// Draws a legend of swatches left to right from (x, y), wrapping at the chart's
/// width; returns the height used.
fn legend(area: &Area<'_>, items: &[(String, RGBColor)], x0: i32, y0: i32, width: i32) -> i32 {
    let style = anchored(font(12.0), HPos::Left, VPos::Center);
    let (mut x, mut y) = (x0, y0);
    // An empty name keeps a colour's place without a legend entry.
    for (label, colour) in items.iter().filter(|(l, _)| !l.is_empty()) {
        let w = 18 + text_width(label, 12.0) + 16;
        if x + w > width && x > x0 {
            x = x0;
            y += 20;
        }
        let _ = area.draw(&Rectangle::new([(x, y), (x + 12, y + 12)], colour.filled()));
        let _ = area.draw(&Rectangle::new(
            [(x, y), (x + 12, y + 12)],
            INK.stroke_width(1),
        ));
        text_at(area, label, (x + 17, y + 6), &style);
        x += w;
    }
    y + 20 - y0
}

/// The height [`legend`] takes for `items` between x0 and `width`.
fn legend_height(items: &[String], x0: i32, width: i32) -> i32 {
    let mut x = x0;
    let mut lines = 1;
    for label in items.iter().filter(|l| !l.is_empty()) {
        let w = 18 + text_width(label, 12.0) + 16;
        if x + w > width && x > x0 {
            x = x0;
            lines += 1;
        }
        x += w;
    }
    lines * 20
}

/// `s` cut to `n` characters with an ellipsis.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// "Nice" tick step for a range: 1, 2 or 5 times a power of ten.
fn nice_step(span: f64, ticks: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / ticks;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let n = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * p
}

/// Money for an axis: `$0`, `$950`, `$12k`, `$1.2M`.
pub fn short_usd(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a >= 1e6 {
        format!("{sign}${:.1}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}${:.0}k", a / 1e3)
    } else if a >= 1e3 {
        format!("{sign}${:.1}k", a / 1e3)
    } else {
        format!("{sign}${a:.0}")
    }
}

/// Money for an axis spanning `span` dollars: short where that stays exact enough.
fn axis_usd(v: f64, span: f64) -> String {
    if span >= 5_000.0 {
        short_usd(v)
    } else {
        format!("${}", group(v.round() as i64))
    }
}

/// An integer with thousands separators.
fn group(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// One bar: segments of (category, value), drawn left to right.
#[derive(Debug, Clone)]
pub struct Bar {
    pub segments: Vec<(usize, f64)>,
    /// The text after the bar's end (its total).
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct BarRow {
    pub label: String,
    /// One bar (stacked) or several (grouped, one under the other).
    pub bars: Vec<Bar>,
}

/// Horizontal bars: one row per item, each row one stacked bar or a group of bars,
/// with a legend of `categories` (colour index → name; an empty name is left out of
/// the legend) above and a money axis. Values may be negative (drawn left of zero).
/// Labels longer than 44 characters are shortened with an ellipsis.
pub fn bars(id: &str, title: &str, categories: &[String], rows: &[BarRow]) -> String {
    let width = WIDTH as i32;
    let rows: Vec<BarRow> = rows
        .iter()
        .map(|r| BarRow {
            label: shorten(&r.label, 44),
            bars: r.bars.clone(),
        })
        .collect();
    let rows = &rows[..];
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label, 12.0))
        .max()
        .unwrap_or(60)
        .clamp(60, 280);
    let value_w = rows
        .iter()
        .flat_map(|r| r.bars.iter().map(|b| text_width(&b.label, 12.0)))
        .max()
        .unwrap_or(40)
        + 12;
    let bar_h = 16;
    let row_h = |r: &BarRow| r.bars.len().max(1) as i32 * (bar_h + 2) + 8;
    let legend_items: Vec<(String, RGBColor)> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), CATEGORY[i % CATEGORY.len()]))
        .collect();
    let legend_h = if categories.iter().filter(|c| !c.is_empty()).count() > 1 {
        legend_height(categories, 10, width - 10) + 6
    } else {
        0
    };
    let axis_h = 22;
    let top = 8 + legend_h + axis_h;
    let height = top + rows.iter().map(row_h).sum::<i32>() + 8;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for r in rows {
        for b in &r.bars {
            let (neg, pos) =
                b.segments.iter().fold(
                    (0.0, 0.0),
                    |(n, p), (_, v)| {
                        if *v < 0.0 {
                            (n + v, p)
                        } else {
                            (n, p + v)
                        }
                    },
                );
            lo = lo.min(neg);
            hi = hi.max(pos);
        }
    }
    if hi - lo <= 0.0 {
        hi = 1.0;
    }
    let x0 = 10 + label_w + 8;
    let x1 = width - value_w - 6;
    let scale = f64::from(x1 - x0) / (hi - lo);
    let px = |v: f64| x0 + ((v - lo) * scale).round() as i32;
    draw(WIDTH, height as u32, id, title, |area| {
        if legend_h > 0 {
            legend(area, &legend_items, 10, 8, width - 10);
        }
        // Axis: ticks and grid lines.
        let step = nice_step(hi - lo, 5.0);
        let mut t = (lo / step).ceil() * step;
        let tick = anchored(font(11.0).color(&MUTED), HPos::Center, VPos::Bottom);
        let bottom = height - 8;
        while t <= hi + step * 1e-9 {
            let x = px(t);
            let _ = area.draw(&PathElement::new(
                vec![(x, top - 4), (x, bottom)],
                GRID.stroke_width(1),
            ));
            text_at(area, &short_usd(t), (x, top - 6), &tick);
            t += step;
        }
        let zero = px(0.0);
        let _ = area.draw(&PathElement::new(
            vec![(zero, top - 4), (zero, bottom)],
            MUTED.stroke_width(1),
        ));
        let name = anchored(font(12.0), HPos::Right, VPos::Center);
        let value = anchored(font(12.0), HPos::Left, VPos::Center);
        let mut y = top + 4;
        for r in rows {
            let h = row_h(r);
            text_at(area, &r.label, (x0 - 8, y + (h - 8) / 2), &name);
            for (k, b) in r.bars.iter().enumerate() {
                let by = y + k as i32 * (bar_h + 2);
                let (mut pos, mut neg) = (0.0, 0.0);
                for (c, v) in &b.segments {
                    let (a, z) = if *v >= 0.0 {
                        let a = pos;
                        pos += v;
                        (a, pos)
                    } else {
                        let a = neg;
                        neg += v;
                        (neg, a)
                    };
                    let (xa, xz) = (px(a), px(z));
                    if xz > xa {
                        let colour = CATEGORY[c % CATEGORY.len()];
                        let _ = area.draw(&Rectangle::new(
                            [(xa, by), (xz, by + bar_h)],
                            colour.filled(),
                        ));
                        // A white edge keeps neighbouring segments apart in greyscale.
                        let _ = area.draw(&Rectangle::new(
                            [(xa, by), (xz, by + bar_h)],
                            WHITE.stroke_width(1),
                        ));
                    }
                }
                let end = px(pos).max(zero);
                text_at(area, &b.label, (end + 6, by + bar_h / 2), &value);
            }
            y += h;
        }
    })
}

/// A point of the frontier chart.
#[derive(Debug, Clone)]
pub struct FrontierPoint {
    pub label: String,
    /// Minutes per month not fully up.
    pub downtime: f64,
    /// `None`: the level cannot be planned.
    pub cost: Option<f64>,
}

/// Monthly cost against expected downtime, one point per resilience level joined in
/// ladder order (levels with the same figures share a point and a label), the
/// report's plan as a black diamond, levels that cannot be planned as crosses in a
/// band above the plot. Downtime is on a log scale when it spans more than a decade
/// and a half.
pub fn frontier(
    id: &str,
    title: &str,
    levels: &[FrontierPoint],
    chosen: Option<(f64, f64)>,
) -> String {
    let height = 360u32;
    let floor = 1e-3;
    // Levels whose points would overlap (within 3% of the downtime and 2% of the cost
    // span) share a point and a label.
    let costs: Vec<f64> = levels.iter().filter_map(|l| l.cost).collect();
    let span = costs.iter().fold(f64::NEG_INFINITY, |m, c| m.max(*c))
        - costs.iter().fold(f64::INFINITY, |m, c| m.min(*c));
    let span = if span.is_finite() && span > 0.0 {
        span
    } else {
        1.0
    };
    let mut points: Vec<(f64, Option<f64>, Vec<String>)> = Vec::new();
    for l in levels {
        let same = |p: &(f64, Option<f64>, Vec<String>)| {
            (p.0 - l.downtime).abs() <= 0.03 * p.0.max(l.downtime).max(1e-9)
                && match (p.1, l.cost) {
                    (Some(a), Some(b)) => (a - b).abs() <= 0.02 * span,
                    (None, None) => true,
                    _ => false,
                }
        };
        match points.iter_mut().find(|p| same(p)) {
            Some(p) => p.2.push(l.label.clone()),
            None => points.push((l.downtime, l.cost, vec![l.label.clone()])),
        }
    }
    let xs: Vec<f64> = points
        .iter()
        .map(|p| p.0)
        .chain(chosen.map(|c| c.0))
        .map(|x| x.max(floor))
        .collect();
    let ys: Vec<f64> = points
        .iter()
        .filter_map(|p| p.1)
        .chain(chosen.map(|c| c.1))
        .collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(*x), b.max(*x)));
    let log = lo.is_finite() && hi / lo > 30.0;
    let (xmin, xmax) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if log {
        (lo / 2.0, hi * 2.0)
    } else {
        (0.0, (hi * 1.2).max(0.01))
    };
    let (ymin, ymax) = ys
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(*y), b.max(*y))
        });
    let (ymin, ymax) = if ymin.is_finite() {
        let pad = ((ymax - ymin) * 0.15).max(ymax.abs() * 0.02).max(1.0);
        ((ymin - pad).max(0.0), ymax + pad)
    } else {
        (0.0, 1.0)
    };
    let impossible = points.iter().any(|p| p.1.is_none());
    let band = if impossible { (ymax - ymin) * 0.2 } else { 0.0 };
    let ytop = ymax + band;
    let x_desc = if log {
        "minutes per month not fully up (log scale)"
    } else {
        "minutes per month not fully up"
    };
    let marks = Marks {
        points: &points,
        chosen,
        floor,
        ymax,
        band,
        xmin,
        xmax,
    };
    draw(WIDTH, height, id, title, |area| {
        let builder = || {
            let mut b = ChartBuilder::on(area);
            b.margin_top(14)
                .margin_right(28)
                .margin_left(8)
                .margin_bottom(6)
                .x_label_area_size(44)
                .y_label_area_size(64);
            b
        };
        if log {
            let Ok(mut chart) = builder().build_cartesian_2d((xmin..xmax).log_scale(), ymin..ytop)
            else {
                return;
            };
            let _ = chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(MUTED)
                .label_style(font(11.0).color(&MUTED))
                .axis_desc_style(font(12.0))
                .x_desc(x_desc)
                .y_desc("USD per month")
                .x_label_formatter(&|v| minutes_label(*v))
                .y_label_formatter(&|v| axis_usd(*v, ytop - ymin))
                .draw();
            marks.draw(&mut chart);
        } else {
            let Ok(mut chart) = builder().build_cartesian_2d(xmin..xmax, ymin..ytop) else {
                return;
            };
            let _ = chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID)
                .axis_style(MUTED)
                .label_style(font(11.0).color(&MUTED))
                .axis_desc_style(font(12.0))
                .x_desc(x_desc)
                .y_desc("USD per month")
                .x_label_formatter(&|v| minutes_label(*v))
                .y_label_formatter(&|v| axis_usd(*v, ytop - ymin))
                .draw();
            marks.draw(&mut chart);
        }
    })
}

/// What the frontier chart draws inside its axes, whichever the x scale.
struct Marks<'a> {
    points: &'a [(f64, Option<f64>, Vec<String>)],
    chosen: Option<(f64, f64)>,
    floor: f64,
    ymax: f64,
    band: f64,
    xmin: f64,
    xmax: f64,
}

impl Marks<'_> {
    fn draw<X>(&self, chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, RangedCoordf64>>)
    where
        X: Ranged<ValueType = f64>,
    {
        let x = |v: f64| v.max(self.floor);
        if self.band > 0.0 {
            let y = self.ymax + self.band * 0.2;
            let _ = chart.draw_series(std::iter::once(PathElement::new(
                vec![(x(self.xmin), y), (self.xmax, y)],
                WARN.stroke_width(1),
            )));
            let _ = chart.draw_series(std::iter::once(Text::new(
                "cannot be planned".to_string(),
                (x(self.xmin), self.ymax + self.band * 0.95),
                anchored(font(11.0).color(&WARN), HPos::Left, VPos::Top),
            )));
        }
        let planned: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter_map(|p| p.1.map(|c| (x(p.0), c)))
            .collect();
        let _ = chart.draw_series(LineSeries::new(planned, MUTED.stroke_width(1)));
        for (d, cost, labels) in self.points {
            let text = labels.join(", ");
            match cost {
                Some(c) => {
                    let _ = chart.draw_series(std::iter::once(Circle::new(
                        (x(*d), *c),
                        6,
                        ACCENT.filled(),
                    )));
                    let _ = chart.draw_series(std::iter::once(
                        EmptyElement::at((x(*d), *c))
                            + Text::new(
                                text,
                                (10, -4),
                                anchored(font(12.0), HPos::Left, VPos::Bottom),
                            ),
                    ));
                }
                None => {
                    let y = self.ymax + self.band * 0.6;
                    let _ = chart.draw_series(std::iter::once(Cross::new(
                        (x(*d), y),
                        6,
                        WARN.stroke_width(2),
                    )));
                    let _ = chart.draw_series(std::iter::once(
                        EmptyElement::at((x(*d), y))
                            + Text::new(
                                text,
                                (10, 0),
                                anchored(font(11.0).color(&WARN), HPos::Left, VPos::Center),
                            ),
                    ));
                }
            }
        }
        if let Some((d, c)) = self.chosen {
            let _ = chart.draw_series(std::iter::once(
                EmptyElement::at((x(d), c))
                    + Polygon::new(vec![(0, -8), (8, 0), (0, 8), (-8, 0)], BLACK.filled())
                    + Text::new(
                        "this plan".to_string(),
                        (10, 6),
                        anchored(font(12.0), HPos::Left, VPos::Top),
                    ),
            ));
        }
    }
}

fn minutes_label(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else if v >= 0.01 {
        format!("{v:.2}")
    } else {
        format!("{v:.0e}")
    }
}

/// One cell of a grid: its state and a short text (may be empty).
#[derive(Debug, Clone)]
pub struct GridCell {
    pub tone: Tone,
    pub text: String,
}

/// A grid of coloured cells with row labels on the left and column labels on top
/// (rotated when they are long): the scenario heat map and the compliance matrix.
/// `legend` names each state shown.
pub fn grid(
    id: &str,
    title: &str,
    columns: &[String],
    rows: &[(String, Vec<GridCell>)],
    legend_items: &[(Tone, String)],
    cell_w: i32,
) -> String {
    let label_w = rows
        .iter()
        .map(|(l, _)| text_width(l, 12.0))
        .max()
        .unwrap_or(60)
        .clamp(60, 300);
    let rotate = columns.iter().any(|c| text_width(c, 11.0) > cell_w - 4);
    let head_h = if rotate {
        columns
            .iter()
            .map(|c| text_width(c, 11.0))
            .max()
            .unwrap_or(40)
            .min(160)
            + 10
    } else {
        22
    };
    let cell_h = 22;
    let grid_w = 10 + label_w + 8 + cell_w * columns.len() as i32 + 10;
    let width = grid_w.max(480);
    let names: Vec<String> = legend_items.iter().map(|(_, l)| l.clone()).collect();
    let legend_h = legend_height(&names, 10, width - 10) + 8;
    let top = legend_h + head_h;
    let height = top + cell_h * rows.len() as i32 + 10;
    draw(width as u32, height as u32, id, title, |area| {
        let items: Vec<(String, RGBColor)> = legend_items
            .iter()
            .map(|(t, l)| (l.clone(), t.fill()))
            .collect();
        legend(area, &items, 10, 6, width - 10);
        let x0 = 10 + label_w + 8;
        for (j, c) in columns.iter().enumerate() {
            let cx = x0 + j as i32 * cell_w + cell_w / 2;
            if rotate {
                let style = ("sans-serif", 11.0 * 1.24)
                    .into_font()
                    .transform(FontTransform::Rotate270)
                    .color(&INK)
                    .pos(Pos::new(HPos::Left, VPos::Center));
                text_at(area, c, (cx, top - 6), &style);
            } else {
                text_at(
                    area,
                    c,
                    (cx, top - 6),
                    &anchored(font(11.0), HPos::Center, VPos::Bottom),
                );
            }
        }
        let name = anchored(font(12.0), HPos::Right, VPos::Center);
        for (i, (label, cells)) in rows.iter().enumerate() {
            let y = top + i as i32 * cell_h;
            text_at(area, label, (x0 - 8, y + cell_h / 2), &name);
            for (j, cell) in cells.iter().enumerate() {
                let x = x0 + j as i32 * cell_w;
                let _ = area.draw(&Rectangle::new(
                    [(x, y), (x + cell_w, y + cell_h)],
                    cell.tone.fill().filled(),
                ));
                let _ = area.draw(&Rectangle::new(
                    [(x, y), (x + cell_w, y + cell_h)],
                    GRID.stroke_width(1),
                ));
                if !cell.text.is_empty() {
                    let ink = cell.tone.ink();
                    let style = ("sans-serif", 11.0 * 1.24)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    text_at(area, &cell.text, (x + cell_w / 2, y + cell_h / 2), &style);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_one_two_five() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(4500.0, 5.0), 1000.0);
    }

    #[test]
    fn axis_money_keeps_what_tells_ticks_apart() {
        assert_eq!(axis_usd(5_250.0, 400.0), "$5,250");
        assert_eq!(axis_usd(5_250.0, 50_000.0), "$5.2k");
        assert_eq!(group(-1_234_567), "-1,234,567");
    }

    #[test]
    fn axis_money_is_short() {
        assert_eq!(short_usd(950.0), "$950");
        assert_eq!(short_usd(5_250.0), "$5.2k");
        assert_eq!(short_usd(366_275.0), "$366k");
        assert_eq!(short_usd(-4.0), "-$4");
    }

    #[test]
    fn svg_scales_and_has_a_title() {
        let s = bars(
            "t",
            "a <title>",
            &["one".into()],
            &[BarRow {
                label: "x".into(),
                bars: vec![Bar {
                    segments: vec![(0, 3.0)],
                    label: "$3".into(),
                }],
            }],
        );
        assert!(s.starts_with("<svg viewBox=\"0 0 760 "), "{}", &s[..80]);
        assert!(s.contains("<title id=\"t-title\">a &lt;title&gt;</title>"));
        assert!(s.contains("<rect"));
        assert!(!s.contains('\n'));
    }
}
