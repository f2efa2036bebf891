// Builds the dashboard: the client generated from proto/admin.proto (by
// protoc-gen-es, into --gen) and src/ bundled by esbuild, with static/, into
// --out. CMake runs it (dashboard/CMakeLists.txt); nothing it writes is
// committed.
//   node build.mjs --out DIR --gen DIR
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name) => {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name} DIR`);
  return resolve(process.argv[i + 1]);
};
const out = arg("--out");
const gen = arg("--gen");

// "@gen/admin_pb" is the generated client, which lives in the build dir.
const generated = {
  name: "generated",
  setup(build) {
    build.onResolve({ filter: /^@gen\// }, (args) => ({
      path: join(gen, args.path.slice("@gen/".length) + ".ts"),
    }));
  },
};

// Types first: esbuild only strips them. The project's tsconfig, with the
// generated client where this build put it.
const config = join(gen, "tsconfig.json");
writeFileSync(config, JSON.stringify({
  extends: join(here, "tsconfig.json"),
  compilerOptions: {
    baseUrl: here,
    paths: {
      "@gen/*": [join(gen, "*")],
      "@bufbuild/protobuf": ["./node_modules/@bufbuild/protobuf/dist/esm/index.d.ts"],
      "@bufbuild/protobuf/codegenv2": ["./node_modules/@bufbuild/protobuf/dist/esm/codegenv2/index.d.ts"],
    },
  },
  include: [join(here, "src")],
}));
const tsc = spawnSync(process.execPath, [join(here, "node_modules/typescript/bin/tsc"), "-p", config],
                      { stdio: "inherit" });
if (tsc.status !== 0) process.exit(1);

mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: join(here, "src/main.tsx"), login: join(here, "src/login.ts") },
  outdir: out,
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  plugins: [generated],
  // The generated client lives in the build dir, away from node_modules.
  nodePaths: [join(here, "node_modules")],
  logLevel: "warning",
});
for (const file of readdirSync(join(here, "static"))) {
  copyFileSync(join(here, "static", file), join(out, file));
}
