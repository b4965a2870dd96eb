import type { StageConfig } from '../../api';

/** What every stage-type form gets: the stage, a way to change fields, and the API's messages per field. */
export interface StageFormProps {
  stage: StageConfig;
  /** Merges `patch` into the stage; a field set to undefined is removed. */
  onChange: (patch: Record<string, unknown>) => void;
  /** Messages for a field of this stage, by its path below the stage (e.g. "waitTime", "notifications[0].address"). */
  issues: (field: string) => string[] | undefined;
  /** A unique prefix for element ids within this stage's form. */
  idPrefix: string;
}
