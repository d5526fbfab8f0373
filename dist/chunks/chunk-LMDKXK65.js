import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);
var ConfigurationError=class extends Error{constructor(input,problem,example){super(`Invalid ${input}: ${problem}${example?`
  Example: ${example}`:""}`);this.input=input}input;name="ConfigurationError"};export{ConfigurationError};
