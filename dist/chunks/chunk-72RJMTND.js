import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);
var CLUSTER_STATE="cluster",LOCAL_PROCESSES_STATE="local-processes";export{CLUSTER_STATE,LOCAL_PROCESSES_STATE};
