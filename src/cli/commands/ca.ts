import { promises as fsp } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import type { KeyType } from "../../ca/key-type.js";
import type { CaFile } from "../../ca/plan-ca-files.js";
import { diagnostic, hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { isDns1123Label, isDns1123Subdomain } from "../../model/formats.js";
import { ExitCode, parseFormat, printDiagnostics, readInput, summarize, UsageError, type CliIo } from "../io.js";
import { loadFederation } from "../load-federation.js";
import type { SetExit } from "../main.js";

// The X.509 library and WebCrypto are loaded on first use: most commands never need them.
async function caModules() {
  const [issue, keyType, pem, plan, inspect, format, write] = await Promise.all([
    import("../../ca/issue-ca.js"),
    import("../../ca/key-type.js"),
    import("../../ca/pem.js"),
    import("../../ca/plan-ca-files.js"),
    import("../../ca/inspect-ca.js"),
    import("../../ca/format-inspect.js"),
    import("../../output/write-ca-files.js"),
  ]);
  // Node's WebCrypto (global since Node 19); the bundled CLI cannot import() a built-in lazily.
  return { issue, keyType, pem, plan, inspect, format, write, crypto: globalThis.crypto };
}

const KEY_TYPES_TEXT = "ecdsa-p256, ecdsa-p384, rsa-2048 or rsa-4096";

function parseKeyType(value: string, known: readonly string[]): KeyType {
  if (known.includes(value)) return value as KeyType;
  throw new UsageError(`--key-type ${value}: unknown key type; use ${KEY_TYPES_TEXT}`);
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(days) || days < 1 || days > 36500) {
    throw new UsageError(`--days ${value}: expected a whole number of days from 1 to 36500`);
  }
  return days;
}

function modeText(mode: number): string {
  return `0${mode.toString(8)}`;
}

/** Writes the files, or reports MF5001 for each that exists (exit 3); returns whether it wrote. */
async function writeOrRefuse(io: CliIo, setExit: SetExit, out: string, files: readonly CaFile[], force: boolean): Promise<boolean> {
  const { writeCaFiles } = await import("../../output/write-ca-files.js");
  const result = await writeCaFiles(resolve(io.cwd, out), files, force).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write to --out ${out}: ${err.code ?? err.message}`);
  });
  if ("existing" in result) {
    const diagnostics = result.existing.map((name) => diagnostic("MF5001", { file: join(out, name) }, { value: join(out, name) }));
    printDiagnostics(io, diagnostics, new Map());
    setExit(ExitCode.invalidInput);
    return false;
  }
  return true;
}

function reportWritten(io: CliIo, out: string, files: readonly CaFile[], summary: Record<string, unknown>, format: string, lines: string[]): void {
  const written = files.map((f) => ({ path: join(out, f.name), mode: modeText(f.mode) }));
  if (format === "json") {
    io.stdout.write(`${JSON.stringify({ ...summary, files: written }, null, 2)}\n`);
    return;
  }
  for (const file of written) io.stdout.write(`wrote ${file.path} (mode ${file.mode})\n`);
  for (const line of lines) io.stdout.write(`${line}\n`);
}

function failInput(io: CliIo, setExit: SetExit, diagnostics: readonly Diagnostic[], what: string): void {
  printDiagnostics(io, diagnostics, new Map());
  io.stderr.write(`${what}: nothing written (${summarize(diagnostics)})\n`);
  setExit(ExitCode.invalidInput);
}

export function registerCa(program: Command, io: CliIo, setExit: SetExit): void {
  const ca = program
    .command("ca")
    .description("Create a shared root CA and issue each mesh an intermediate CA confined to its own trust domain (Istio plug-in CA files).");

  ca.command("init")
    .description("Create a root CA (root-cert.pem, root-key.pem), or record an existing one given with --root-cert and --root-key.")
    .requiredOption("--out <dir>", "directory to write root-cert.pem and root-key.pem (0600) to")
    .option("--root-cert <file>", "an existing self-signed root certificate to record instead of creating one")
    .option("--root-key <file>", "the existing root's private key (PEM, unencrypted)")
    .option("--key-type <type>", `key type: ${KEY_TYPES_TEXT}`, "ecdsa-p256")
    .option("--days <n>", "validity of a new root in days", "3650")
    .option("--common-name <cn>", "subject CN of a new root", "meshfed root CA")
    .option("--organization <o>", "subject O of a new root", "meshfed")
    .option("--force", "replace existing files in --out")
    .option("-o, --output <format>", "text or json", "text")
    .action(
      async (opts: {
        out: string;
        rootCert?: string;
        rootKey?: string;
        keyType: string;
        days: string;
        commonName: string;
        organization: string;
        force?: boolean;
        output: string;
      }) => {
        const format = parseFormat(opts.output, ["text", "json"]);
        if ((opts.rootCert === undefined) !== (opts.rootKey === undefined))
          throw new UsageError("--root-cert and --root-key go together: give both to record an existing root, or neither to create one");
        const m = await caModules();
        const keyType = parseKeyType(opts.keyType, m.keyType.KEY_TYPES);
        const days = parseDays(opts.days);
        const env = { crypto: m.crypto, now: new Date() };
        let certPem: string;
        let keyPem: string;
        let cert: Awaited<ReturnType<typeof m.issue.createRootCa>>;
        if (opts.rootCert !== undefined && opts.rootKey !== undefined) {
          const loaded = await loadSigner(io, m, opts.rootCert, opts.rootKey);
          const diagnostics = [...loaded.diagnostics];
          if (loaded.signer) diagnostics.push(...m.plan.checkIssuer(loaded.signer.cert, loaded.selfSigned, loaded.position, env.now, 0));
          if (!loaded.signer || hasErrors(diagnostics)) return failInput(io, setExit, diagnostics, opts.rootCert);
          cert = loaded.signer.cert;
          certPem = m.pem.certificatePem(cert);
          keyPem = await m.pem.privateKeyPem(m.crypto, loaded.signer.privateKey);
        } else {
          const keys = await m.issue.generateKeyPair(env, keyType);
          cert = await m.issue.createRootCa(env, { keys, commonName: opts.commonName, organization: opts.organization, days });
          certPem = m.pem.certificatePem(cert);
          keyPem = await m.pem.privateKeyPem(m.crypto, keys.privateKey);
        }
        const files = m.plan.rootFiles(certPem, keyPem);
        if (!(await writeOrRefuse(io, setExit, opts.out, files, !!opts.force))) return;
        const fingerprint = await m.inspect.sha256Fingerprint(cert, m.crypto);
        const root = {
          subject: cert.subject,
          sha256Fingerprint: fingerprint,
          notAfter: cert.notAfter.toISOString(),
          keyAlgorithm: m.keyType.describeKeyAlgorithm(cert.publicKey.algorithm),
        };
        reportWritten(io, opts.out, files, { root, recorded: opts.rootCert !== undefined }, format, [
          `root ${root.subject} (${root.keyAlgorithm}), valid until ${root.notAfter}`,
          `root SHA-256 fingerprint ${root.sha256Fingerprint}`,
          `keep ${join(opts.out, "root-key.pem")} offline; next: meshfed ca issue FILE --mesh NAME --root-cert ${join(opts.out, "root-cert.pem")} --root-key ${join(opts.out, "root-key.pem")} --out DIR`,
        ]);
        setExit(ExitCode.ok);
      },
    );

  ca.command("issue")
    .description("Issue a mesh's intermediate CA, confined to its trust domain, and write Istio's plug-in CA files and the cacerts Secret.")
    .argument("<file>", "federation file (YAML): the mesh's trust domain comes from it")
    .requiredOption("--mesh <name>", "the mesh to issue for")
    .requiredOption("--root-cert <file>", "the shared root certificate (root-cert.pem)")
    .requiredOption("--root-key <file>", "the root's private key (root-key.pem)")
    .requiredOption("--out <dir>", "directory to write ca-cert.pem, ca-key.pem (0600), root-cert.pem, cert-chain.pem and cacerts.yaml (0600) to")
    .option("--key-type <type>", `key type of the intermediate: ${KEY_TYPES_TEXT}`, "ecdsa-p256")
    .option("--days <n>", "validity in days", "365")
    .option("--istio-namespace <ns>", "namespace of istiod and of the cacerts Secret; istiod's names <ns>.svc stay permitted", "istio-system")
    .option("--istiod-dns <name...>", "more DNS names istiod serves under this CA (ISTIOD_CUSTOM_HOST)")
    .option("--organization <o>", "subject O of the intermediate", "meshfed")
    .option("--force", "replace existing files in --out")
    .option("-o, --output <format>", "text or json", "text")
    .action(
      async (
        file: string,
        opts: {
          mesh: string;
          rootCert: string;
          rootKey: string;
          out: string;
          keyType: string;
          days: string;
          istioNamespace: string;
          istiodDns?: string[];
          organization: string;
          force?: boolean;
          output: string;
        },
      ) => {
        const format = parseFormat(opts.output, ["text", "json"]);
        const m = await caModules();
        const keyType = parseKeyType(opts.keyType, m.keyType.KEY_TYPES);
        const days = parseDays(opts.days);
        const loaded = await loadFederation(io, file, false);
        if (!loaded.federation || hasErrors(loaded.diagnostics)) {
          printDiagnostics(io, loaded.diagnostics, loaded.sources);
          io.stderr.write(`${file}: nothing issued (${summarize(loaded.diagnostics)})\n`);
          setExit(ExitCode.invalidInput);
          return;
        }
        const federation = loaded.federation;
        if (!isDns1123Label(opts.istioNamespace))
          throw new UsageError(`--istio-namespace ${opts.istioNamespace}: not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)`);
        for (const name of opts.istiodDns ?? []) {
          if (!isDns1123Subdomain(name)) throw new UsageError(`--istiod-dns ${name}: not a DNS name (lower-case letters, digits, '-' and '.')`);
        }
        const { mesh, diagnostics: meshDiagnostics } = m.plan.checkMeshTrustDomain(federation, opts.mesh);
        if (!mesh) throw new UsageError(`--mesh ${opts.mesh}: no such mesh in ${file}; meshes: ${federation.meshes.map((x) => x.name).join(", ")}`);
        const env = { crypto: m.crypto, now: new Date() };
        const signer = await loadSigner(io, m, opts.rootCert, opts.rootKey);
        const diagnostics = [...meshDiagnostics, ...signer.diagnostics];
        if (signer.signer) diagnostics.push(...m.plan.checkIssuer(signer.signer.cert, signer.selfSigned, signer.position, env.now, days));
        if (!signer.signer || hasErrors(diagnostics)) {
          printDiagnostics(io, diagnostics, loaded.sources);
          io.stderr.write(`${opts.mesh}: nothing issued (${summarize(diagnostics)})\n`);
          setExit(ExitCode.invalidInput);
          return;
        }
        const keys = await m.issue.generateKeyPair(env, keyType);
        const { cert, constraints } = await m.issue.issueIntermediateCa(env, {
          root: signer.signer,
          keys,
          mesh: mesh.name,
          trustDomain: mesh.trustDomain,
          days,
          istioNamespace: opts.istioNamespace,
          extraDnsNames: opts.istiodDns ?? [],
          organization: opts.organization,
        });
        const files = m.plan.pluginCaFiles({
          mesh: mesh.name,
          istioNamespace: opts.istioNamespace,
          caCertPem: m.pem.certificatePem(cert),
          caKeyPem: await m.pem.privateKeyPem(m.crypto, keys.privateKey),
          rootCertPem: m.pem.certificatePem(signer.signer.cert),
        });
        if (!(await writeOrRefuse(io, setExit, opts.out, files, !!opts.force))) return;
        const { report } = await m.inspect.inspectCertificates({
          certificates: [
            { cert, position: { file: "ca-cert.pem", line: 1, column: 1 } },
            { cert: signer.signer.cert, position: { file: "root-cert.pem", line: 1, column: 1 } },
          ],
          now: env.now,
          crypto: m.crypto,
        });
        const intermediate = report.certificates[0]!;
        const permitted = constraints.permitted.map((s) => `${s.type}:${s.value}`);
        const excluded = constraints.excluded.map((s) => `${s.type}:${s.value}`);
        reportWritten(
          io,
          opts.out,
          files,
          {
            mesh: mesh.name,
            trustDomain: mesh.trustDomain,
            intermediate: {
              subject: intermediate.subject,
              sha256Fingerprint: intermediate.sha256Fingerprint,
              notAfter: intermediate.notAfter,
              keyAlgorithm: intermediate.keyAlgorithm,
              pathLength: 0,
              nameConstraints: { permitted, excluded },
            },
            root: report.roots[0] ?? null,
          },
          format,
          [
            `intermediate ${intermediate.subject} (${intermediate.keyAlgorithm}), pathLen 0, valid until ${intermediate.notAfter}`,
            `name constraints: permitted ${permitted.join(", ")}; excluded ${excluded.join(", ")}`,
            `root SHA-256 fingerprint ${report.roots[0]?.sha256Fingerprint ?? "?"}`,
            `next: kubectl --context <${mesh.name}> create namespace ${opts.istioNamespace}; kubectl --context <${mesh.name}> apply -f ${join(opts.out, "cacerts.yaml")}; then install or restart istiod`,
          ],
        );
        setExit(ExitCode.ok);
      },
    );

  ca.command("inspect")
    .description(
      "Check CA files: chain validity, root fingerprint, expiry, key usage, basic and name constraints; with --model and --mesh, agreement with the mesh's trust domain.",
    )
    .argument("<path...>", "PEM files, cacerts Secret manifests (*.yaml), or directories whose *.pem files are read (private keys are skipped, never printed)")
    .option("--model <file>", "federation file to check the trust domain against (with --mesh)")
    .option("--mesh <name>", "the mesh these files are for (with --model)")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (paths: string[], opts: { model?: string; mesh?: string; output: string }) => {
      const format = parseFormat(opts.output, ["text", "json"]);
      if ((opts.model === undefined) !== (opts.mesh === undefined))
        throw new UsageError("--model and --mesh go together: give both to check agreement with the federation file");
      const m = await caModules();
      let expect: { mesh: string; trustDomain: string } | undefined;
      if (opts.model !== undefined && opts.mesh !== undefined) {
        const loaded = await loadFederation(io, opts.model, false);
        if (!loaded.federation || hasErrors(loaded.diagnostics)) {
          printDiagnostics(io, loaded.diagnostics, loaded.sources);
          io.stderr.write(`${opts.model}: invalid (${summarize(loaded.diagnostics)})\n`);
          setExit(ExitCode.invalidInput);
          return;
        }
        const mesh = loaded.federation.meshes.find((x) => x.name === opts.mesh);
        if (!mesh)
          throw new UsageError(`--mesh ${opts.mesh}: no such mesh in ${opts.model}; meshes: ${loaded.federation.meshes.map((x) => x.name).join(", ")}`);
        expect = { mesh: mesh.name, trustDomain: mesh.trustDomain };
      }
      const read = await readPemPaths(io, m, paths);
      if (hasErrors(read.diagnostics)) {
        printDiagnostics(io, read.diagnostics, new Map());
        io.stderr.write(`nothing inspected (${summarize(read.diagnostics)})\n`);
        setExit(ExitCode.invalidInput);
        return;
      }
      const { report, diagnostics } = await m.inspect.inspectCertificates({
        certificates: read.certificates,
        chainFiles: read.chainFiles,
        ...(expect ? { expect } : {}),
        now: new Date(),
        crypto: m.crypto,
      });
      const findings = [...read.diagnostics, ...diagnostics];
      if (format === "json") {
        io.stdout.write(`${JSON.stringify({ ...report, diagnostics: findings }, null, 2)}\n`);
      } else {
        io.stdout.write(m.format.formatInspect(report));
        printDiagnostics(io, findings, new Map());
        io.stderr.write(`${findings.length === 0 ? "ok" : "problems found"} (${summarize(findings)})\n`);
      }
      setExit(findings.some((d) => d.severity === "error" || d.severity === "warning") ? ExitCode.findings : ExitCode.ok);
    });
}

type CaModules = Awaited<ReturnType<typeof caModules>>;

/** Reads a root certificate and its key, checking they belong together. */
async function loadSigner(io: CliIo, m: CaModules, certFile: string, keyFile: string) {
  const position = { file: certFile, line: 1, column: 1 };
  const parsed = m.pem.parseCertificate(await readInput(io, certFile), certFile);
  if (!parsed.certificate) return { diagnostics: parsed.diagnostics, selfSigned: false, position };
  const cert = parsed.certificate.cert;
  const key = await m.pem.importSigningKey(m.crypto, await readInput(io, keyFile), keyFile, cert);
  const selfSigned = cert.subject === cert.issuer && (await cert.verify({ signatureOnly: true }, m.crypto).catch(() => false));
  const diagnostics = [...parsed.diagnostics, ...key.diagnostics];
  if (!key.privateKey) return { diagnostics, selfSigned, position };
  return { signer: { cert, privateKey: key.privateKey }, diagnostics, selfSigned, position };
}

/** Reads certificates from files and directories (their *.pem files, sorted by name). */
async function readPemPaths(io: CliIo, m: CaModules, paths: readonly string[]) {
  const certificates: import("../../ca/pem.js").SourcedCertificate[] = [];
  const chainFiles: { file: string; certificates: import("../../ca/x509.js").X509Certificate[] }[] = [];
  const diagnostics: Diagnostic[] = [];
  const files: { file: string; explicit: boolean }[] = [];
  for (const path of paths) {
    const full = resolve(io.cwd, path);
    const stat = await fsp.stat(full).catch(() => undefined);
    if (!stat) throw new UsageError(`cannot read ${path}: no such file or directory`);
    if (stat.isDirectory()) {
      const names = (await fsp.readdir(full)).filter((n) => n.endsWith(".pem")).sort();
      if (names.length === 0) throw new UsageError(`${path}: no *.pem files in this directory`);
      files.push(...names.map((n) => ({ file: join(path, n), explicit: false })));
    } else {
      files.push({ file: path, explicit: true });
    }
  }
  for (const { file, explicit } of files) {
    const text = await readInput(io, file);
    if (/\.ya?ml$/.test(file)) {
      const { secretPems } = await import("../../ca/secret-pems.js");
      const secret = secretPems(text, file);
      diagnostics.push(...secret.diagnostics);
      for (const entry of secret.pems) {
        // Positions point at the Secret's key for the entry; a Secret is one PEM file per key.
        const parsed = m.pem.parseCertificates(entry.text, file);
        diagnostics.push(...parsed.diagnostics.map((d) => ({ ...d, position: entry.position })));
        certificates.push(...parsed.certificates.map((c) => ({ cert: c.cert, position: entry.position })));
        if (entry.name === "cert-chain.pem") chainFiles.push({ file: `${file} (cert-chain.pem)`, certificates: parsed.certificates.map((c) => c.cert) });
      }
      if (secret.pems.length === 0 && secret.diagnostics.length === 0) {
        diagnostics.push(diagnostic("MF5002", { file, problem: "secret-without-pems" }, { position: { file, line: 1, column: 1 } }));
      }
      continue;
    }
    const parsed = m.pem.parseCertificates(text, file);
    diagnostics.push(...parsed.diagnostics);
    certificates.push(...parsed.certificates);
    const onlyKeys = parsed.certificates.length === 0 && m.pem.pemBlocks(text).some((b) => b.label.endsWith("PRIVATE KEY"));
    if (parsed.certificates.length === 0 && parsed.diagnostics.length === 0 && explicit && !onlyKeys) {
      diagnostics.push(diagnostic("MF5002", { file, problem: "no-certificate" }, { position: { file, line: 1, column: 1 } }));
    }
    if (basename(file) === "cert-chain.pem") chainFiles.push({ file, certificates: parsed.certificates.map((c) => c.cert) });
  }
  return { certificates, chainFiles, diagnostics };
}
