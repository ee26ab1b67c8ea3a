// `pnpm bench`: every benchmark in one run, printed as tables of ratios against the raw drivers.
import { printResults } from './measure.js'
import { runSqliteBenchmarks } from './sqlite.bench.js'

printResults('sqlite adapter vs better-sqlite3', await runSqliteBenchmarks())
