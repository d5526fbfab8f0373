/** The saved-state key (`core.saveState`) under which the main step keeps its cluster change journal for the post step. */
export const CLUSTER_STATE = 'cluster';

/** The saved-state key of the local versions' process groups still running, for the post step to stop. */
export const LOCAL_PROCESSES_STATE = 'local-processes';
