/**
 * Type-checks a Nango folder's scripts against Syncline's `nango` module, with the folder's own
 * compiler options (Nango manages a `tsconfig.json` in every project) or Nango's when it has
 * none. One TypeScript program for the whole folder, so a thousand scripts share the work.
 * A script's errors are its own file's plus those of the folder files it imports (helpers).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

/** The compiler options of the tsconfig.json Nango writes into a project. */
const NANGO_DEFAULT_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  target: ts.ScriptTarget.ESNext,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  exactOptionalPropertyTypes: true,
  noFallthroughCasesInSwitch: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noPropertyAccessFromIndexSignature: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
};

export interface ScriptTypeError {
  file: string;
  line: number;
  message: string;
}

export function typeCheckScripts(folder: string, scripts: string[], projectRoot: string): Map<string, ScriptTypeError[]> {
  const options: ts.CompilerOptions = {
    ...folderOptions(folder),
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    baseUrl: projectRoot,
    // `nango` is Syncline's SDK; zod and Node's types come from Syncline when the folder has none.
    paths: {
      nango: [join(projectRoot, 'functions/engine/sdk/nango-module.ts')],
      // Some scripts import Nango's SDK package by its own name.
      '@nangohq/runner-sdk': [join(projectRoot, 'functions/engine/sdk/nango-module.ts')],
      ...(hasPackage(folder, 'zod') ? {} : { zod: [join(projectRoot, 'node_modules/zod/index.d.cts')] }),
    },
    typeRoots: [join(projectRoot, 'node_modules/@types')],
    types: ['node'],
  };
  const host = ts.createCompilerHost(options, true);
  const program = ts.createProgram({ rootNames: scripts, options, host });
  const inFolder = (file: string) => resolve(file).startsWith(resolve(folder)) && !file.includes('/node_modules/');

  const errorsByFile = new Map<string, ScriptTypeError[]>();
  for (const sourceFile of program.getSourceFiles()) {
    if (!inFolder(sourceFile.fileName)) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    errorsByFile.set(resolve(sourceFile.fileName), diagnostics.map(toTypeError));
  }

  const imports = (file: string): string[] => {
    const sourceFile = program.getSourceFile(file);
    if (!sourceFile) return [];
    return ts
      .preProcessFile(sourceFile.text, true, true)
      .importedFiles.filter((ref) => ref.fileName.startsWith('.'))
      .map((ref) => ts.resolveModuleName(ref.fileName, file, options, host).resolvedModule?.resolvedFileName)
      .filter((resolved): resolved is string => resolved !== undefined && inFolder(resolved))
      .map((resolved) => resolve(resolved));
  };
  const result = new Map<string, ScriptTypeError[]>();
  for (const script of scripts) {
    const seen = new Set<string>();
    const pending = [resolve(script)];
    const errors: ScriptTypeError[] = [];
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      errors.push(...(errorsByFile.get(file) ?? []));
      pending.push(...imports(file));
    }
    result.set(resolve(script), errors);
  }
  return result;
}

function folderOptions(folder: string): ts.CompilerOptions {
  const configFile = join(folder, 'tsconfig.json');
  if (!existsSync(configFile)) return NANGO_DEFAULT_OPTIONS;
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) return NANGO_DEFAULT_OPTIONS;
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configFile)).options;
}

function hasPackage(folder: string, name: string): boolean {
  return existsSync(join(folder, 'node_modules', name, 'package.json'));
}

function toTypeError(diagnostic: ts.Diagnostic): ScriptTypeError {
  const file = diagnostic.file?.fileName ?? '';
  const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
  return { file, line, message: `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}` };
}
