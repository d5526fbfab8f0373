#!/usr/bin/env node
import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);
import{CLI_REMEDY,nodeVersionProblem}from"./chunks/chunk-B665NTU2.js";import"./chunks/chunk-MEKL6JZH.js";var problem=nodeVersionProblem(process.versions.node,CLI_REMEDY);if(problem!==void 0)process.stderr.write(`${problem}
`),process.exitCode=3;else{let{cli}=await import("./chunks/cli-main-BYD7QBBF.js");process.exitCode=await cli(process.argv.slice(2))}
