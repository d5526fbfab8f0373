import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);
import{info}from"./chunk-B4JAB6ZP.js";import"./chunk-O66HYFPL.js";async function post(){info("Shadowgate post: evaluate-only run, nothing to clean up.")}export{post};
