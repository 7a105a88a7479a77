/**
 * A Node.js module resolution hook for the scripts of a Nango project: `nango` is Syncline's SDK,
 * and a package the folder cannot resolve itself (`zod`, when the folder has no node_modules) is
 * resolved from Syncline's own dependencies — so a Nango folder runs in place, wherever it sits.
 * Registered with `module.register()` by discovery (`npm start`) and `npm run compat`.
 */
let nangoUrl = '';
let projectUrl = '';

export function initialize(data) {
  nangoUrl = data.nangoUrl;
  projectUrl = data.projectPackageJsonUrl;
}

export async function resolve(specifier, context, nextResolve) {
  // Through the next resolver (tsx's), so the TypeScript module is loaded as TypeScript.
  if (specifier === 'nango' || specifier === '@nangohq/runner-sdk') return nextResolve(nangoUrl, context);
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !isBarePackage(specifier)) throw error;
    // Resolved as if Syncline imported it; a package Syncline does not have still fails, naming it.
    return nextResolve(specifier, { ...context, parentURL: projectUrl });
  }
}

function isBarePackage(specifier) {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:') && !specifier.startsWith('node:');
}
