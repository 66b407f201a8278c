// RunReport+Style: the report's inline style sheet (system fonts, cards, tables, charts);
// it prints cleanly and needs nothing from the network. Not here: the markup (RunReport).

extension RunReport {
    static let style = """
        :root { --ink: #1b1f24; --muted: #5f6b7a; --line: #d8dee6; --card: #ffffff; --page: #f3f5f8; --accent: #1f77b4; --bad: #d62728; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--page); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
        header h1 { margin: 0 0 4px; font-size: 28px; }
        .subtitle { margin: 0 0 14px; color: var(--muted); }
        nav { display: flex; flex-wrap: wrap; gap: 6px 14px; margin-bottom: 18px; font-size: 14px; }
        nav a { color: var(--accent); text-decoration: none; }
        nav a:hover { text-decoration: underline; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 0 0 18px; box-shadow: 0 1px 2px rgba(0,0,0,0.04); }
        .card h2 { margin: 0 0 10px; font-size: 20px; }
        .card.left-out h2 { color: var(--muted); font-size: 17px; margin-bottom: 4px; }
        .intro { margin: 0 0 12px; color: var(--muted); }
        .note { margin: 6px 0 0; color: var(--muted); font-style: italic; }
        .tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 14px; }
        .tile { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #f8fafc; }
        .tile-value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .tile-name { color: var(--muted); font-size: 13px; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        table.compact { width: auto; min-width: 320px; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #f8fafc; font-weight: 600; }
        tbody tr:nth-child(even) { background: #fafbfc; }
        .number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .bar { display: inline-block; height: 9px; margin-right: 8px; background: var(--accent); opacity: 0.55; border-radius: 2px; vertical-align: middle; }
        .bar.bad { background: var(--bad); }
        tr.weakest td:first-child { color: var(--bad); font-weight: 600; }
        tr.trial.best { background: #eef6ee; font-weight: 600; }
        td.input { max-width: 560px; overflow-wrap: anywhere; }
        .true-label { color: #2a7d2e; font-weight: 600; }
        .predicted-label { color: var(--bad); font-weight: 600; }
        .muted, .path { color: var(--muted); font-size: 13px; }
        .thumbnail { max-width: 96px; max-height: 96px; border-radius: 4px; border: 1px solid var(--line); }
        figure { margin: 0; }
        figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(600px, 1fr)); gap: 16px; }
        svg.chart { width: 100%; height: auto; display: block; }
        svg.line-chart { max-width: 760px; }
        svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
        svg.chart .axis-title { font-size: 13px; fill: var(--muted); }
        svg.chart .tick { fill: var(--muted); }
        svg.chart .plot-area { fill: #fbfcfd; stroke: #9aa5b1; }
        svg.chart .grid { stroke: #e6eaef; }
        svg.chart .series { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
        svg.chart .legend-swatch { stroke-width: 3; }
        svg.chart .diagonal { fill: none; stroke: #9aa5b1; stroke-dasharray: 5 4; }
        svg.chart .bin { fill: #1f77b4; fill-opacity: 0.55; stroke: #1f77b4; }
        svg.chart .cell { stroke: #ffffff; stroke-width: 1; }
        svg.chart .cell-count { font-weight: 600; }
        svg.chart text.on-dark { fill: #ffffff; }
        dl.model-card { display: grid; grid-template-columns: 150px 1fr; gap: 6px 16px; margin: 0; }
        dl.model-card dt { font-weight: 600; color: var(--muted); }
        dl.model-card dd { margin: 0; }
        ul.limitations { margin: 0; padding-left: 18px; }
        .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
        .gallery-item { border: 2px solid var(--line); border-radius: 8px; padding: 8px; }
        .gallery-item.wrong { border-color: var(--bad); }
        .gallery-item .pictures { display: flex; gap: 4px; }
        .gallery-item img { max-width: 100%; height: auto; border-radius: 4px; min-width: 0; flex: 1 1 0; }
        footer { color: var(--muted); font-size: 13px; text-align: center; margin-top: 24px; }
        code { background: #eef1f5; padding: 1px 5px; border-radius: 4px; }
        @media print { body { background: #ffffff; } .card { box-shadow: none; break-inside: avoid; } nav { display: none; } }
        """
}
