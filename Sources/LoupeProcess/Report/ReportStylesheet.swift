/// The process reports' stylesheet: readable at 1 280 px, narrow screens scale the charts down,
/// and printing keeps figures whole and alert colours on.
enum ReportStylesheet {
    static let css = """
    :root { color-scheme: light; }
    body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fff;
           max-width: 1200px; margin: 24px auto; padding: 0 20px; }
    h1 { font-size: 26px; margin: 0 0 2px; } .subtitle { color: #59636e; margin: 0 0 12px; }
    h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
    p { max-width: 860px; }
    nav ol { margin: 8px 0 16px; padding-left: 22px; columns: 2; max-width: 760px; } nav a { color: #0969da; }
    table { border-collapse: collapse; margin: 8px 0 14px; font-size: 14px; }
    th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
    thead th { background: #f6f8fa; font-weight: 600; position: sticky; top: 0; }
    table.kv th { background: #f6f8fa; font-weight: 600; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    table.data tbody tr:nth-child(even) { background: #fafbfc; }
    .table-wrap { max-width: 100%; overflow-x: auto; }
    .alert { border: 1px solid; border-left-width: 5px; border-radius: 4px; padding: 8px 12px; margin: 10px 0; max-width: 900px; }
    .alert.info { background: #ddf4ff; border-color: #54aeff; }
    .alert.warning { background: #fff8c5; border-color: #d4a72c; }
    .alert.error { background: #ffebe9; border-color: #cf222e; }
    .figures { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; margin: 10px 0 16px; }
    figure.chart { margin: 0; flex: 1 1 auto; min-width: min(100%, 320px); }
    figure.chart svg { display: block; width: 100%; height: auto; border: 1px solid #eaeef2; border-radius: 4px; }
    figcaption { color: #59636e; font-size: 13px; margin-top: 4px; }
    footer { margin-top: 40px; color: #8c959f; font-size: 12px; }
    @media print {
      body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
      nav { display: none; } h2 { break-after: avoid; }
      figure.chart, table.kv, .alert { break-inside: avoid; }
      .alert { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      thead th { position: static; }
    }

    """
}
