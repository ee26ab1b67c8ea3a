/** One line of a chart: its name and its points, x ascending. */
export interface ChartSeries {
  readonly name: string
  readonly points: readonly (readonly [x: number, y: number])[]
}

export interface LineChart {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly ChartSeries[]
  /** Logarithmic x axis, for sizes spanning orders of magnitude. */
  readonly logX?: boolean
}

const WIDTH = 640
const HEIGHT = 360
const MARGIN = { top: 40, right: 160, bottom: 50, left: 70 }
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e']

/** A self-contained SVG line chart: axes with five ticks each, one coloured line per series, a legend. */
export function renderLineChart(chart: LineChart): string {
  const points = chart.series.flatMap((series) => series.points)
  const xOf = (x: number) => (chart.logX ? Math.log10(x) : x)
  const xs = points.map(([x]) => xOf(x))
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)]
  const yMax = Math.max(...points.map(([, y]) => y)) * 1.1 || 1
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const px = (x: number) => MARGIN.left + ((xOf(x) - xMin) / (xMax - xMin || 1)) * plotWidth
  const py = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(chart.title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
  ]
  const xTicks = [...new Set(points.map(([x]) => x))].sort((a, b) => a - b)
  for (const x of xTicks) {
    parts.push(`<text x="${px(x)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${formatNumber(x)}</text>`)
  }
  for (let tick = 0; tick <= 4; tick++) {
    const y = (yMax / 4) * tick
    parts.push(
      `<line x1="${MARGIN.left - 4}" y1="${py(y)}" x2="${MARGIN.left + plotWidth}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${py(y) + 4}" text-anchor="end">${formatNumber(y)}</text>`,
    )
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  )
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length]
    const path = series.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
    parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`)
    for (const [x, y] of series.points)
      parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`)
    const legendY = MARGIN.top + 10 + index * 18
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 12}" y1="${legendY}" x2="${WIDTH - MARGIN.right + 32}" y2="${legendY}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 38}" y="${legendY + 4}">${escapeXml(series.name)}</text>`,
    )
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

function formatNumber(value: number): string {
  if (value >= 1_000_000) return `${Number((value / 1_000_000).toPrecision(3))}M`
  if (value >= 1_000) return `${Number((value / 1_000).toPrecision(3))}k`
  return `${Number(value.toPrecision(3))}`
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
