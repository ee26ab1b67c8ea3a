import { runConformanceSuite } from '../../conformance/conformance-suite.js'
import { adapterHarnesses } from '../../support/adapter-harnesses.js'

runConformanceSuite(adapterHarnesses.sqliteMemory())
runConformanceSuite(adapterHarnesses.sqliteFile())
