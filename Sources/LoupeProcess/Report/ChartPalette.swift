/// Colours of the charts: the Okabe–Ito palette, which stays distinguishable with the common
/// colour-vision deficiencies, plus greys for axes and text.
enum ChartPalette {
    static let primary = "#0072B2"      // blue: the data series
    static let secondary = "#E69F00"    // orange: a second series, positive contributions
    static let alarm = "#D55E00"        // vermillion: alarms, control limits
    static let centre = "#009E73"       // bluish green: centre lines
    static let band = "#56B4E9"         // sky blue: uncertainty bands
    static let muted = "#B8C4CE"        // light grey-blue: bars that are not highlighted
    static let text = "#1F2328"
    static let secondaryText = "#59636E"
    static let axis = "#8C959F"
    static let grid = "#EAEEF2"
    static let histogram = "#C5CDD4"
}
