/** The saved-state key (`core.saveState`) under which the main step keeps its cluster change journal for the post step. */
export const CLUSTER_STATE = 'cluster';
