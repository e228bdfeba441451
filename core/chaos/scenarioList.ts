/** Every chaos scenario, in table order (issue 7). */
import { baselineScenario } from "./scenarios/baselineScenario.ts";
import { diskFullScenario } from "./scenarios/diskFullScenario.ts";
import { epochRestartScenario } from "./scenarios/epochRestartScenario.ts";
import { feedFaultsScenario } from "./scenarios/feedFaultsScenario.ts";
import { garbageScenario } from "./scenarios/garbageScenario.ts";
import { hostileQueriesScenario } from "./scenarios/hostileQueriesScenario.ts";
import { hungPublisherScenario } from "./scenarios/hungPublisherScenario.ts";
import { killInCommitScenario } from "./scenarios/killInCommitScenario.ts";
import { killScenario } from "./scenarios/killScenario.ts";
import { noPublisherScenario } from "./scenarios/noPublisherScenario.ts";
import { secondInstanceScenario } from "./scenarios/secondInstanceScenario.ts";
import { seqRegressionScenario } from "./scenarios/seqRegressionScenario.ts";
import { sigtermScenario } from "./scenarios/sigtermScenario.ts";
import { slowConsumerScenario } from "./scenarios/slowConsumerScenario.ts";
import { slowSseClientScenario } from "./scenarios/slowSseClientScenario.ts";
import { soakScenario } from "./scenarios/soakScenario.ts";
import type { Scenario } from "./types.ts";

export const SCENARIOS: readonly Scenario[] = [
  baselineScenario,
  killScenario,
  killInCommitScenario,
  epochRestartScenario,
  seqRegressionScenario,
  feedFaultsScenario,
  garbageScenario,
  slowConsumerScenario,
  hungPublisherScenario,
  noPublisherScenario,
  secondInstanceScenario,
  hostileQueriesScenario,
  slowSseClientScenario,
  sigtermScenario,
  diskFullScenario,
  soakScenario,
];
