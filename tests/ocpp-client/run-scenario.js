#!/usr/bin/env node
'use strict';

// Drives an OCPP-J endpoint with ocpp-rpc's RPCClient (an implementation we did not write, validating every
// message against the official JSON schemas in strict mode) and prints one JSON document describing what happened.
//
//   node run-scenario.js scenario.json
//   node run-scenario.js - < scenario.json      (or no argument: stdin)
//
// Exit codes: 0 = the scenario ran (whatever the endpoint did; judging it is the caller's job),
//             2 = the scenario itself is unusable, 1 = the harness crashed.
//
// Scenario: { endpoint: "ws://host:port/ocpp" (identity is appended as a path segment), identity, protocols: [...],
//   password?, strict? (default true), timeoutMs? (whole run, default 30000), callTimeoutMs?, pingIntervalMs?,
//   headers?, query?, autoRespond?: { Action: {respond} | {respondError: {code, message, details}} },
//   steps: [ exactly one of:
//     {call, payload, timeoutMs?}                                   CALL from the charge point
//     {expectCall, respond | respondError | noReply, timeoutMs?}    claim (or wait for) a server CALL and answer it
//     {sleepMs}
//     {raw, expectRawReply?, separateConnection?, timeoutMs?}       frame sent verbatim, bypassing strict checks
//     {close: true, code?, reason?}
//     {expectClose: true, timeoutMs?}                               wait for the server to close ] }
//
// Output: { connected, protocol, strict, results: [{step, kind, ok, response | error | received | rawReply ...}],
//   closeCode, closeReason, closedBy, unhandledCalls?, messages: [{t, dir, text}], elapsedMs, timedOut? }
// or, when the upgrade fails, { connected: false, error, errorName, httpStatus? }.
// error.validation (serverResponse | serverCall | ownRequest | ownResponse) marks a strict schema failure.

const fs = require('fs');
const WebSocket = require('ws');
const { RPCClient, createRPCError, NOREPLY } = require('ocpp-rpc');

const KNOWN_STRICT_PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];
const STEP_KINDS = ['call', 'expectCall', 'sleepMs', 'raw', 'close', 'expectClose'];
const DEFAULT_SCENARIO_TIMEOUT_MS = 30000;
const DEFAULT_STEP_TIMEOUT_MS = 5000;
const DEFAULT_CALL_TIMEOUT_MS = 10000;

class ScenarioError extends Error {}

function readScenario(argv) {
    const source = argv[2];
    const text = !source || source === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(source, 'utf8');
    let scenario;
    try {
        scenario = JSON.parse(text);
    } catch (err) {
        throw new ScenarioError(`scenario is not JSON: ${err.message}`);
    }
    if (!scenario || typeof scenario !== 'object') throw new ScenarioError('scenario must be a JSON object');
    if (typeof scenario.endpoint !== 'string' || !/^wss?:\/\//.test(scenario.endpoint)) {
        throw new ScenarioError('scenario.endpoint must be a ws:// or wss:// URL');
    }
    if (typeof scenario.identity !== 'string' || !scenario.identity) throw new ScenarioError('scenario.identity is required');
    if (!Array.isArray(scenario.protocols) || scenario.protocols.length === 0) {
        throw new ScenarioError('scenario.protocols must list at least one subprotocol');
    }
    if (!Array.isArray(scenario.steps)) throw new ScenarioError('scenario.steps must be an array');
    scenario.steps.forEach((step, i) => {
        const kinds = STEP_KINDS.filter(k => step && step[k] !== undefined && step[k] !== null && step[k] !== false);
        if (kinds.length !== 1) {
            throw new ScenarioError(`step ${i} must have exactly one of ${STEP_KINDS.join(', ')} (found: ${kinds.join(', ') || 'none'})`);
        }
        if (kinds[0] === 'expectCall' && step.respond === undefined && step.respondError === undefined && !step.noReply) {
            throw new ScenarioError(`step ${i}: expectCall needs respond, respondError or noReply`);
        }
    });
    return scenario;
}

// Error shape shared by every step kind. `validation` says whose message failed the schema, so a test can tell
// "the endpoint answered with an invalid payload" (serverResponse) from "the scenario sent one" (ownRequest).
function describeError(err, validation) {
    const out = {
        name: err?.name && err.name !== 'Error' ? err.name : (err?.constructor?.name ?? 'Error'),
        code: err?.rpcErrorCode ?? (typeof err?.code === 'string' || typeof err?.code === 'number' ? String(err.code) : undefined),
        message: err?.message || err?.rpcErrorMessage || String(err),
    };
    if (err?.rpcErrorCode) out.rpcErrorCode = err.rpcErrorCode;
    if (validation) {
        out.validation = validation;
        if (Array.isArray(err?.details?.errors)) out.validationErrors = err.details.errors;
    } else if (err?.details && Object.keys(err.details).length > 0) {
        out.details = err.details;
    }
    return out;
}

function parseFrame(text) {
    try {
        const frame = JSON.parse(text);
        return Array.isArray(frame) ? frame : null;
    } catch {
        return null;
    }
}

function basicAuthHeader(identity, password) {
    return 'Basic ' + Buffer.concat([Buffer.from(identity + ':'), Buffer.from(password, 'utf8')]).toString('base64');
}

function delay(ms) {
    return new Promise(resolve => setTimeout(resolve, ms));
}

function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => {
            const err = new Error(`${what} timed out after ${ms} ms`);
            err.name = 'TimeoutError';
            reject(err);
        }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class Run {
    constructor(scenario) {
        this.scenario = scenario;
        this.started = Date.now();
        this.output = { connected: false };
        this.results = [];
        this.messages = [];
        this.inbox = [];            // server CALLs not yet claimed by an expectCall step
        this.inboxWaiters = [];
        this.inboundListeners = new Set();
        this.strictFailures = new Map(); // messageId -> {validation, error}
        this.responsesById = new Map();  // messageId -> raw CALLRESULT/CALLERROR frame from the server
        this.closeInfo = null;
        this.closeWaiters = [];
        this.closingByUs = false;

        const requested = scenario.protocols;
        this.strictProtocols = scenario.strict === false ? [] : requested.filter(p => KNOWN_STRICT_PROTOCOLS.includes(p));
        this.autoRespond = scenario.autoRespond ?? {};
    }

    stamp() {
        return Date.now() - this.started;
    }

    async execute() {
        const s = this.scenario;
        this.client = new RPCClient({
            endpoint: s.endpoint.replace(/\/+$/, ''),
            identity: s.identity,
            protocols: s.protocols,
            password: s.password ?? null,
            strictMode: this.strictProtocols.length > 0 ? this.strictProtocols : false,
            reconnect: false,
            callTimeoutMs: s.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
            pingIntervalMs: s.pingIntervalMs ?? 30000,
            headers: s.headers ?? {},
            query: s.query,
        });
        this.wire();

        try {
            await this.client.connect();
        } catch (err) {
            this.output.connected = false;
            this.output.error = err?.message || String(err);
            this.output.errorName = err?.constructor?.name ?? 'Error';
            if (typeof err?.code === 'number') this.output.httpStatus = err.code;
            return;
        }

        this.output.connected = true;
        this.output.protocol = this.client.protocol;
        this.output.strict = this.strictProtocols.includes(this.client.protocol);

        for (let i = 0; i < s.steps.length; i++) {
            const result = await this.runStep(i, s.steps[i]);
            this.results.push(result);
        }
    }

    wire() {
        const c = this.client;
        c.on('message', ({ message, outbound }) => {
            const text = Buffer.isBuffer(message) ? message.toString('utf8') : String(message);
            this.messages.push({ t: this.stamp(), dir: outbound ? 'out' : 'in', text });
            if (!outbound) {
                const frame = parseFrame(text);
                if (frame && (frame[0] === 3 || frame[0] === 4) && typeof frame[1] === 'string') {
                    this.responsesById.set(frame[1], frame);
                }
                for (const listener of this.inboundListeners) listener(text, frame);
            }
        });
        c.on('strictValidationFailure', ({ messageId, method, params, error, outbound, isCall }) => {
            const validation = isCall ? (outbound ? 'ownRequest' : 'serverCall') : (outbound ? 'ownResponse' : 'serverResponse');
            this.strictFailures.set(messageId, { validation, error });
            if (validation === 'serverCall') {
                // ocpp-rpc has already answered with a CALLERROR and will not invoke our handler, so the
                // expectCall step would otherwise wait for a call that never "arrives".
                this.deliver({ messageId, method, params, validation, error });
            }
        });
        c.on('close', ({ code, reason }) => this.noteClose(code, reason));
        c.on('disconnect', ({ code, reason }) => this.noteClose(code, reason));
        c.on('socketError', err => process.stderr.write(`socket error: ${err?.message}\n`));

        c.handle(({ messageId, method, params, signal }) => {
            const auto = this.autoRespond[method];
            if (auto) {
                this.output.autoResponded = this.output.autoResponded ?? [];
                this.output.autoResponded.push({ method, messageId, params });
                return answer(auto);
            }
            return new Promise((resolve, reject) => {
                // ocpp-rpc only aborts handlers when the connection goes away; without this a pending call
                // would hold close() open forever.
                signal.addEventListener('abort', () => reject(new Error('connection closed before the call was answered')));
                this.deliver({ messageId, method, params, resolve, reject });
            });
        });
    }

    deliver(call) {
        const waiterIndex = this.inboxWaiters.findIndex(w => w.method === call.method);
        if (waiterIndex >= 0) {
            const [waiter] = this.inboxWaiters.splice(waiterIndex, 1);
            waiter.resolve(call);
        } else {
            this.inbox.push(call);
        }
    }

    takeCall(method, timeoutMs) {
        const index = this.inbox.findIndex(c => c.method === method);
        if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]);
        let waiter;
        const promise = new Promise(resolve => {
            waiter = { method, resolve };
            this.inboxWaiters.push(waiter);
        });
        return withTimeout(promise, timeoutMs, `waiting for ${method}`).catch(err => {
            this.inboxWaiters = this.inboxWaiters.filter(w => w !== waiter);
            throw err;
        });
    }

    noteClose(code, reason) {
        if (this.closeInfo) return;
        this.closeInfo = {
            code,
            reason: Buffer.isBuffer(reason) ? reason.toString('utf8') : (reason ?? ''),
            by: this.closingByUs ? 'client' : 'server',
            t: this.stamp(),
        };
        for (const w of this.closeWaiters) w(this.closeInfo);
        this.closeWaiters = [];
    }

    waitForClose(timeoutMs) {
        if (this.closeInfo) return Promise.resolve(this.closeInfo);
        return withTimeout(new Promise(resolve => this.closeWaiters.push(resolve)), timeoutMs, 'waiting for the server to close');
    }

    async runStep(index, step) {
        const kind = STEP_KINDS.find(k => step[k] !== undefined && step[k] !== null && step[k] !== false);
        const base = { step: index, kind: kind === 'sleepMs' ? 'sleep' : kind };
        try {
            switch (kind) {
                case 'call': return { ...base, ...await this.callStep(step) };
                case 'expectCall': return { ...base, ...await this.expectCallStep(step) };
                case 'sleepMs':
                    await delay(step.sleepMs);
                    return { ...base, ok: true };
                case 'raw': return { ...base, ...await this.rawStep(step) };
                case 'close': return { ...base, ...await this.closeStep(step) };
                case 'expectClose': {
                    const info = await this.waitForClose(step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
                    return { ...base, ok: true, closeCode: info.code, closeReason: info.reason };
                }
            }
        } catch (err) {
            return { ...base, ok: false, error: describeError(err) };
        }
        throw new Error(`unreachable: step ${index}`);
    }

    async callStep(step) {
        let messageId;
        const onCall = ({ outbound, payload }) => {
            if (outbound && payload[2] === step.call) messageId = payload[1];
        };
        this.client.on('call', onCall);
        try {
            const options = step.timeoutMs ? { callTimeoutMs: step.timeoutMs } : {};
            const response = await this.client.call(step.call, step.payload ?? {}, options);
            return { ok: true, messageId, response };
        } catch (err) {
            // Own-request validation happens before ocpp-rpc emits 'call', so the id is only known from the failure.
            const failure = messageId !== undefined
                ? this.strictFailures.get(messageId)
                : [...this.strictFailures.values()].find(f => f.error === err);
            const result = { ok: false, messageId, error: describeError(err, failure?.validation) };
            const frame = messageId !== undefined ? this.responsesById.get(messageId) : undefined;
            if (frame) {
                result.rawResponse = frame;
                if (frame[0] === 4 && !failure) {
                    // ocpp-rpc turns error codes it does not know into GenericError; the test wants what was sent.
                    result.error.code = result.error.rpcErrorCode = frame[2];
                    result.error.message = frame[3];
                    result.error.details = frame[4];
                }
            }
            return result;
        } finally {
            this.client.off('call', onCall);
        }
    }

    async expectCallStep(step) {
        const call = await this.takeCall(step.expectCall, step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
        const result = { messageId: call.messageId, received: call.params };
        if (call.validation) {
            return { ...result, ok: false, error: describeError(call.error, call.validation) };
        }
        // Let ocpp-rpc send our reply before looking for its own-response validation verdict.
        const replySent = this.nextOutbound(call.messageId);
        if (step.noReply) {
            call.resolve(NOREPLY);
            return { ...result, ok: true };
        }
        answerInto(call, step);
        await withTimeout(replySent, DEFAULT_STEP_TIMEOUT_MS, `sending the reply to ${step.expectCall}`).catch(() => {});
        const failure = this.strictFailures.get(call.messageId);
        if (failure) return { ...result, ok: false, error: describeError(failure.error, failure.validation) };
        return { ...result, ok: true };
    }

    nextOutbound(messageId) {
        return new Promise(resolve => {
            const listener = ({ message, outbound }) => {
                if (!outbound) return;
                const frame = parseFrame(String(message));
                if (frame && frame[1] === messageId && (frame[0] === 3 || frame[0] === 4)) {
                    this.client.off('message', listener);
                    resolve(frame);
                }
            };
            this.client.on('message', listener);
        });
    }

    async rawStep(step) {
        const text = typeof step.raw === 'string' ? step.raw : JSON.stringify(step.raw);
        const timeoutMs = step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
        const sentFrame = parseFrame(text);
        const sentId = sentFrame && typeof sentFrame[1] === 'string' ? sentFrame[1] : undefined;
        // Replies to a frame whose id cannot be read carry whatever id the server chose (OCPP suggests "-1"),
        // so without an id the first non-CALL frame is taken as the reply.
        const isReply = frame => sentId !== undefined
            ? !!frame && frame[1] === sentId && (frame[0] === 3 || frame[0] === 4)
            : !frame || frame[0] !== 2;

        if (step.separateConnection) return this.rawOnSeparateConnection(text, step, timeoutMs, isReply);

        if (!step.expectRawReply) {
            this.client.sendRaw(text);
            return { ok: true };
        }
        let listener;
        const reply = new Promise(resolve => {
            listener = (raw, frame) => { if (isReply(frame)) resolve(raw); };
            this.inboundListeners.add(listener);
        });
        const closed = new Promise(resolve => this.closeWaiters.push(resolve));
        try {
            this.client.sendRaw(text);
            const outcome = await withTimeout(Promise.race([reply.then(r => ({ r })), closed.then(c => ({ c }))]), timeoutMs, 'waiting for a reply to the raw frame');
            if (outcome.c) return { ok: false, rawReply: null, closeCode: outcome.c.code, closeReason: outcome.c.reason, error: { name: 'ConnectionClosed', message: `server closed the connection (${outcome.c.code})` } };
            return { ok: true, rawReply: outcome.r };
        } finally {
            this.inboundListeners.delete(listener);
        }
    }

    async rawOnSeparateConnection(text, step, timeoutMs, isReply) {
        const s = this.scenario;
        const url = s.endpoint.replace(/\/+$/, '') + '/' + encodeURIComponent(s.identity);
        const headers = { ...(s.headers ?? {}) };
        if (s.password != null) headers.authorization = basicAuthHeader(s.identity, s.password);
        const ws = new WebSocket(url, [this.client.protocol ?? s.protocols[0]], { headers });
        try {
            await withTimeout(new Promise((resolve, reject) => {
                ws.once('open', resolve);
                ws.once('error', reject);
                ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
            }), timeoutMs, 'opening the separate raw connection');
            const reply = new Promise(resolve => ws.on('message', data => {
                const raw = data.toString('utf8');
                if (isReply(parseFrame(raw))) resolve({ r: raw });
            }));
            const closed = new Promise(resolve => ws.once('close', (code, reason) => resolve({ c: { code, reason: reason.toString('utf8') } })));
            ws.on('message', data => this.messages.push({ t: this.stamp(), dir: 'in', connection: 'separate', text: data.toString('utf8') }));
            this.messages.push({ t: this.stamp(), dir: 'out', connection: 'separate', text });
            ws.send(text);
            if (!step.expectRawReply) return { ok: true };
            const outcome = await withTimeout(Promise.race([reply, closed]), timeoutMs, 'waiting for a reply to the raw frame');
            if (outcome.c) return { ok: false, rawReply: null, closeCode: outcome.c.code, closeReason: outcome.c.reason, error: { name: 'ConnectionClosed', message: `server closed the connection (${outcome.c.code})` } };
            return { ok: true, rawReply: outcome.r };
        } finally {
            ws.terminate();
        }
    }

    async closeStep(step) {
        this.closingByUs = true;
        const code = typeof step.code === 'number' ? step.code : 1000;
        const closed = await withTimeout(this.client.close({ code, reason: step.reason ?? '' }), step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, 'closing');
        const info = this.closeInfo ?? { code: closed?.code, reason: closed?.reason };
        return { ok: true, closeCode: info.code, closeReason: info.reason };
    }

    async finish() {
        if (this.client && this.client.state !== RPCClient.CLOSED && !this.closeInfo) {
            this.closingByUs = true;
            await withTimeout(this.client.close({ code: 1000, reason: 'scenario finished' }), 2000, 'closing')
                .catch(() => this.client.close({ force: true }));
        }
    }

    document() {
        const out = { ...this.output };
        if (out.connected) {
            out.results = this.results;
            if (this.closeInfo) {
                out.closeCode = this.closeInfo.code;
                out.closeReason = this.closeInfo.reason;
                out.closedBy = this.closeInfo.by;
            }
            const unclaimed = this.inbox.filter(c => !c.validation).map(({ messageId, method, params }) => ({ messageId, method, params }));
            if (unclaimed.length) out.unhandledCalls = unclaimed;
        }
        out.messages = this.messages;
        out.elapsedMs = this.stamp();
        return out;
    }
}

function answer(spec) {
    if (spec.respondError) {
        throw createRPCError(spec.respondError.code ?? 'GenericError', spec.respondError.message ?? '', spec.respondError.details ?? {});
    }
    return spec.respond;
}

function answerInto(call, spec) {
    try {
        call.resolve(answer(spec));
    } catch (err) {
        call.reject(err);
    }
}

function emit(doc, exitCode) {
    process.stdout.write(JSON.stringify(doc) + '\n', () => process.exit(exitCode));
}

async function main() {
    let scenario;
    try {
        scenario = readScenario(process.argv);
    } catch (err) {
        process.stderr.write(`run-scenario: ${err.message}\n`);
        process.exit(2);
    }

    const run = new Run(scenario);
    const budget = scenario.timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS;
    let timedOut = false;
    const guard = setTimeout(() => {
        // Report what happened so far rather than hanging the test that is waiting on us.
        timedOut = true;
        const doc = run.document();
        doc.timedOut = true;
        try { run.client?.close({ force: true }); } catch { /* already gone */ }
        emit(doc, 0);
    }, budget);

    try {
        await run.execute();
        await run.finish();
    } catch (err) {
        clearTimeout(guard);
        process.stderr.write(`run-scenario: harness failure: ${err?.stack ?? err}\n`);
        process.exit(1);
    }
    if (timedOut) return;
    clearTimeout(guard);
    emit(run.document(), 0);
}

process.on('unhandledRejection', err => process.stderr.write(`run-scenario: unhandled rejection: ${err?.stack ?? err}\n`));
main();
