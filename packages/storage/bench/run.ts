// `pnpm bench`: every benchmark in one run, printed as tables of ratios against the raw drivers.
import { runD1Benchmark } from './d1.bench.js'
import { printResults } from './measure.js'
import { runSqliteBenchmarks } from './sqlite.bench.js'

printResults('sqlite adapter vs better-sqlite3', await runSqliteBenchmarks())

console.log('\nd1 adapter vs a hand-written D1 batch (inside workerd): 10,000 rows × 4 columns')
console.table(await runD1Benchmark())
