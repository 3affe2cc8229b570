//! Bar charts as inline SVG: the geometry as pure functions (tested
//! natively), and one component that draws it.
//!
//! A chart is a list of labelled counts. [`nice_scale`] picks an axis top
//! and ticks on round numbers (1, 2 or 5 × 10ⁿ), [`layout`] turns counts
//! into bars inside a fixed frame, and [`summary`] is the text alternative
//! a screen reader reads instead of the picture. Every bar also shows its
//! value as text, so nobody has to estimate a height.

use yew::prelude::*;

/// The drawing area, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The whole picture's width.
    pub width: f64,
    /// The whole picture's height.
    pub height: f64,
    /// Room left of the plot for the axis numbers.
    pub left: f64,
    /// Room above the plot for the tallest bar's value.
    pub top: f64,
    /// Room below the plot for the bar labels.
    pub bottom: f64,
    /// Room right of the plot.
    pub right: f64,
}

impl Frame {
    /// The frame every report chart uses; the SVG scales to its container.
    pub const REPORT: Frame = Frame {
        width: 640.0,
        height: 240.0,
        left: 40.0,
        top: 20.0,
        bottom: 28.0,
        right: 8.0,
    };

    /// Width of the plot area.
    pub fn plot_width(&self) -> f64 {
        (self.width - self.left - self.right).max(0.0)
    }

    /// Height of the plot area.
    pub fn plot_height(&self) -> f64 {
        (self.height - self.top - self.bottom).max(0.0)
    }

    /// The y of the baseline (value 0).
    pub fn baseline(&self) -> f64 {
        self.top + self.plot_height()
    }

    /// The y of `value` on `scale`.
    pub fn y_of(&self, value: u32, scale: &Scale) -> f64 {
        let share = f64::from(value.min(scale.max)) / f64::from(scale.max.max(1));
        self.baseline() - share * self.plot_height()
    }
}

/// A value axis: its top and its ticks, from 0 up to `max` inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// The axis top, a multiple of `step`, at least the largest value.
    pub max: u32,
    /// The distance between ticks.
    pub step: u32,
    /// The tick values, 0 first.
    pub ticks: Vec<u32>,
}

/// A round axis for values up to `largest`, with at most `max_ticks`
/// intervals. An all-zero chart gets the axis 0–1, so bars of 0 sit on the
/// baseline instead of dividing by zero.
pub fn nice_scale(largest: u32, max_ticks: u32) -> Scale {
    let intervals = u64::from(max_ticks.max(1));
    let largest = u64::from(largest.max(1));
    let mut magnitude: u64 = 1;
    let step = loop {
        if let Some(step) = [1, 2, 5]
            .iter()
            .map(|m| m * magnitude)
            .find(|step| largest.div_ceil(*step) <= intervals)
        {
            break step;
        }
        magnitude = magnitude.saturating_mul(10);
    };
    let max = largest.div_ceil(step) * step;
    let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    Scale {
        max: to_u32(max),
        step: to_u32(step),
        ticks: (0..=max / step).map(|i| to_u32(i * step)).collect(),
    }
}

/// One bar, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height (0 for a count of 0).
    pub height: f64,
    /// The count.
    pub value: u32,
    /// The label under the bar (an hour, a bracket, a day).
    pub label: String,
}

impl Bar {
    /// The x of the bar's middle, for its label and value.
    pub fn center(&self) -> f64 {
        self.x + self.width / 2.0
    }
}

/// Bars for `values` in `frame`: equal slots across the plot, each bar 70 %
/// of its slot, heights on a [`nice_scale`] of the largest value.
pub fn layout(values: &[(String, u32)], frame: &Frame) -> (Scale, Vec<Bar>) {
    let scale = nice_scale(values.iter().map(|(_, v)| *v).max().unwrap_or(0), 5);
    let slot = frame.plot_width() / values.len().max(1) as f64;
    let width = slot * 0.7;
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = frame.y_of(*value, &scale);
            Bar {
                x: frame.left + slot * i as f64 + (slot - width) / 2.0,
                y,
                width,
                height: frame.baseline() - y,
                value: *value,
                label: label.clone(),
            }
        })
        .collect();
    (scale, bars)
}

/// The text alternative of a chart: its title, then every label with its
/// value and unit (`時間帯別の来館組数: 10時 2組、13時 1組`).
pub fn summary(title: &str, values: &[(String, u32)], unit: &str, separator: &str) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|(label, value)| format!("{label} {value}{unit}"))
        .collect();
    format!("{title}: {}", parts.join(separator))
}

/// Which labels to print under the bars when there are many: every
/// `every`-th one, so a month's 31 days stay legible.
pub fn label_every(count: usize) -> usize {
    match count {
        0..=16 => 1,
        17..=31 => 2,
        _ => count.div_ceil(16),
    }
}

/// The hours worth showing: at least 9–17, widened to every hour with a
/// visit, so an early or late group is never cut off.
pub fn hour_range(by_hour: &[u32; 24]) -> std::ops::RangeInclusive<usize> {
    let first = by_hour.iter().position(|&n| n > 0).unwrap_or(9).min(9);
    let last = by_hour.iter().rposition(|&n| n > 0).unwrap_or(17).max(17);
    first..=last
}

/// What a [`BarChart`] draws.
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct BarChartProps {
    /// The element id, also used for the title's id.
    pub id: AttrValue,
    /// The chart's title, shown above it and read as its name.
    pub title: AttrValue,
    /// The unit after each value in the text alternative (`組`, ` people`).
    pub unit: AttrValue,
    /// Between items of the text alternative (`、` or `, `).
    pub separator: AttrValue,
    /// The bars: label and count.
    pub values: Vec<(String, u32)>,
}

/// A bar chart with a title, axis numbers, a visible value on every bar
/// and a text alternative for screen readers.
#[function_component(BarChart)]
pub fn bar_chart(props: &BarChartProps) -> Html {
    let frame = Frame::REPORT;
    let (scale, bars) = layout(&props.values, &frame);
    let every = label_every(bars.len());
    let title_id = format!("{}-title", props.id);
    let label = summary(&props.title, &props.values, &props.unit, &props.separator);
    let view_box = format!("0 0 {} {}", frame.width, frame.height);
    let ticks = scale.ticks.iter().map(|&tick| {
        let y = frame.y_of(tick, &scale);
        html! {
            <g class="tick">
                <line x1={fmt(frame.left)} x2={fmt(frame.width - frame.right)}
                    y1={fmt(y)} y2={fmt(y)} stroke="#d5d0c6" stroke-width="1" />
                <text x={fmt(frame.left - 6.0)} y={fmt(y + 4.0)} text-anchor="end"
                    font-size="11" fill="#4a5a66">{ tick }</text>
            </g>
        }
    });
    let drawn = bars.iter().enumerate().map(|(i, bar)| {
        let tip = format!("{} {}{}", bar.label, bar.value, props.unit);
        html! {
            <g class="bar">
                <rect x={fmt(bar.x)} y={fmt(bar.y)} width={fmt(bar.width)}
                    height={fmt(bar.height)} fill="#1f5f7a">
                    <title>{ tip }</title>
                </rect>
                if bar.value > 0 {
                    <text x={fmt(bar.center())} y={fmt(bar.y - 4.0)} text-anchor="middle"
                        font-size="11" fill="#1d2a33">{ bar.value }</text>
                }
                if i % every == 0 {
                    <text x={fmt(bar.center())} y={fmt(frame.baseline() + 16.0)}
                        text-anchor="middle" font-size="11" fill="#4a5a66">{ &bar.label }</text>
                }
            </g>
        }
    });
    html! {
        <figure class="report-chart" id={props.id.clone()}>
            <figcaption id={title_id.clone()}>{ props.title.clone() }</figcaption>
            <svg viewBox={view_box} role="img" aria-label={label.clone()}
                preserveAspectRatio="xMidYMid meet" width="100%">
                <title>{ label }</title>
                { for ticks }
                { for drawn }
                <line x1={fmt(frame.left)} x2={fmt(frame.width - frame.right)}
                    y1={fmt(frame.baseline())} y2={fmt(frame.baseline())}
                    stroke="#1d2a33" stroke-width="1" />
            </svg>
        </figure>
    }
}

/// A coordinate as SVG text, to one decimal.
fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_end_on_round_numbers() {
        let cases: [(u32, u32, u32, &[u32]); 7] = [
            (0, 5, 1, &[0, 1]),
            (1, 5, 1, &[0, 1]),
            (4, 5, 1, &[0, 1, 2, 3, 4]),
            (7, 5, 2, &[0, 2, 4, 6, 8]),
            (10, 5, 2, &[0, 2, 4, 6, 8, 10]),
            (23, 5, 5, &[0, 5, 10, 15, 20, 25]),
            (640, 5, 200, &[0, 200, 400, 600, 800]),
        ];
        for (largest, ticks, step, want) in cases {
            let s = nice_scale(largest, ticks);
            assert_eq!(s.step, step, "{largest}");
            assert_eq!(s.ticks, want, "{largest}");
            assert_eq!(s.max, *want.last().unwrap_or(&0));
            assert!(s.max >= largest);
        }
        let huge = nice_scale(u32::MAX, 5);
        assert!(huge.max >= u32::MAX / 2 && huge.ticks.len() <= 7);
    }

    fn values(counts: &[u32]) -> Vec<(String, u32)> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &n)| (format!("{i}"), n))
            .collect()
    }

    #[test]
    fn bars_are_proportional_and_inside_the_plot() {
        let frame = Frame::REPORT;
        let (scale, bars) = layout(&values(&[0, 2, 4, 8]), &frame);
        assert_eq!(scale.max, 8);
        assert_eq!(bars.len(), 4);
        let plot = frame.plot_height();
        let heights: Vec<f64> = bars.iter().map(|b| b.height).collect();
        for (h, want) in heights.iter().zip([0.0, plot / 4.0, plot / 2.0, plot]) {
            assert!((h - want).abs() < 1e-9, "{heights:?}");
        }
        for bar in &bars {
            assert!(bar.x >= frame.left);
            assert!(bar.x + bar.width <= frame.width - frame.right + 1e-9);
            assert!((bar.y + bar.height - frame.baseline()).abs() < 1e-9);
            assert!(bar.y >= frame.top - 1e-9);
        }
        let gaps: Vec<f64> = bars.windows(2).map(|w| w[1].x - w[0].x).collect();
        assert!(gaps.iter().all(|g| (g - gaps[0]).abs() < 1e-9 && *g > 0.0));
    }

    #[test]
    fn an_empty_chart_has_no_bars_and_no_nan() {
        let (scale, bars) = layout(&[], &Frame::REPORT);
        assert!(bars.is_empty());
        assert_eq!(scale.ticks, [0, 1]);
        let (_, zeros) = layout(&values(&[0, 0]), &Frame::REPORT);
        assert!(zeros.iter().all(|b| b.height == 0.0 && b.y.is_finite()));
    }

    #[test]
    fn the_text_alternative_names_every_value() {
        let v = vec![("10時".to_owned(), 2), ("11時".to_owned(), 0)];
        assert_eq!(
            summary("時間帯別の来館組数", &v, "組", "、"),
            "時間帯別の来館組数: 10時 2組、11時 0組"
        );
    }

    #[test]
    fn hours_and_day_labels_stay_legible() {
        let mut by_hour = [0u32; 24];
        assert_eq!(hour_range(&by_hour), 9..=17);
        by_hour[8] = 1;
        by_hour[19] = 2;
        assert_eq!(hour_range(&by_hour), 8..=19);
        by_hour[8] = 0;
        assert_eq!(hour_range(&by_hour), 9..=19);
        assert_eq!(
            (label_every(7), label_every(24), label_every(31)),
            (1, 2, 2)
        );
    }
}
