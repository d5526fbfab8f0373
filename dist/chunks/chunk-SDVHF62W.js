import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);
var CLUSTER_STATE="cluster";export{CLUSTER_STATE};
