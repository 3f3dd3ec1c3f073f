/// The report's stylesheet and its optional self-check script (the page reads fine without it).
enum ReportStyle {
    static let css = """
    body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
    h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 16px 0 6px; }
    .sub { color: #59636e; margin: 0 0 8px; } .note { color: #59636e; font-size: 13px; max-width: 760px; }
    table { border-collapse: collapse; margin: 6px 0 10px; } th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: right; }
    th { background: #f6f8fa; font-weight: 600; } td.label, th.label { text-align: left; }
    td.meaning { text-align: left; color: #59636e; font-size: 13px; }
    .matrix td { min-width: 64px; text-align: center; font-variant-numeric: tabular-nums; }
    .matrix td small { display: block; color: #3d444d; font-size: 11px; }
    .row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
    svg { background: #fff; } svg text { font: 11px system-ui, sans-serif; fill: #1f2328; }
    .gallery { display: flex; flex-wrap: wrap; gap: 12px; }
    figure { margin: 0; width: 172px; border: 1px solid #d0d7de; border-radius: 6px; padding: 6px; background: #f6f8fa; }
    figure img { display: block; max-width: 160px; max-height: 160px; margin: 0 auto 4px; image-rendering: auto; }
    figcaption { font-size: 12px; } figcaption .path { word-break: break-all; color: #59636e; }
    .missing { width: 160px; min-height: 60px; display: flex; align-items: center; justify-content: center; color: #9a6700; font-size: 11px; text-align: center; overflow-wrap: anywhere; margin-bottom: 4px; }
    .row .note { max-width: 420px; }
    .bad { color: #cf222e; } .good { color: #1a7f37; }
    """

    /// After load, writes what the browser managed to show into `data-` attributes on `<body>`
    /// (images decoded, SVGs with a non-zero box): the real-browser test reads them back.
    static let selfCheckScript = """
    window.addEventListener("load", function () {
      var images = document.images, decoded = 0, drawn = 0;
      for (var i = 0; i < images.length; i++) { if (images[i].complete && images[i].naturalWidth > 0) decoded++; }
      var svgs = document.getElementsByTagName("svg");
      for (var j = 0; j < svgs.length; j++) { var box = svgs[j].getBoundingClientRect(); if (box.width > 0 && box.height > 0) drawn++; }
      document.body.setAttribute("data-images-total", images.length);
      document.body.setAttribute("data-images-decoded", decoded);
      document.body.setAttribute("data-svg-count", svgs.length);
      document.body.setAttribute("data-svg-drawn", drawn);
    });
    """
}
