import { runConformanceSuite } from '../conformance/conformance-suite.js'
import { durableObjectHarness, runEachTestInANewDurableObject } from './durable-object-harness.js'

runEachTestInANewDurableObject()
runConformanceSuite(durableObjectHarness())
