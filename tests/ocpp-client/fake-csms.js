#!/usr/bin/env node
'use strict';

// A throwaway CSMS built on ocpp-rpc's own RPCServer, used only to prove run-scenario.js before the real endpoint
// exists. Prints {"port": N} on its first stdout line; exits when stdin closes so a crashed test host leaves no orphan.
//
// Behaviour the harness self-test relies on:
// - identities starting with "LOCKED" must present the password "s3cret" (Basic auth), others need none;
// - Authorize is answered with a schema-INVALID payload, sent raw so ocpp-rpc's own strict mode can't stop it;
// - DataTransfer {messageId: "StartRemotely"} makes the server send RemoteStartTransaction (1.6) or
//   RequestStartTransaction (2.0.1) to the charge point; DataTransfer {messageId: "LastReply"} returns the charge
//   point's answer to that call in `data`, proving the reply reached the server;
// - DataTransfer {messageId: "StartRemotelyInvalid"} sends that call with a schema-invalid payload instead.

const { RPCServer, NOREPLY } = require('ocpp-rpc');

const PASSWORD = 's3cret';
const lastReplies = new Map();

const server = new RPCServer({
    protocols: ['ocpp2.0.1', 'ocpp1.6'],
    strictMode: true,
});

server.auth((accept, reject, handshake) => {
    if (handshake.identity.startsWith('LOCKED')) {
        const given = handshake.password ? handshake.password.toString('utf8') : undefined;
        if (given !== PASSWORD) return reject(401, 'Unauthorized');
    }
    accept();
});

server.on('client', client => {
    const v16 = client.protocol === 'ocpp1.6';
    const now = () => new Date().toISOString();

    // Recorded synchronously from the frame rather than when client.call() settles: the reply and the following
    // LastReply request can arrive in one TCP read, and ws dispatches both before any promise continuation runs.
    let remoteStartId;
    client.on('call', ({ outbound, payload }) => {
        if (outbound && /^(RemoteStart|RequestStart)Transaction$/.test(payload[2])) remoteStartId = payload[1];
    });
    client.on('response', ({ outbound, payload }) => {
        if (outbound || payload[1] !== remoteStartId) return;
        lastReplies.set(client.identity, payload[0] === 3 ? { reply: payload[2] } : { error: payload[2] });
    });

    client.handle('BootNotification', () => ({ status: 'Accepted', currentTime: now(), interval: 300 }));
    client.handle('Heartbeat', () => ({ currentTime: now() }));
    client.handle('StatusNotification', () => ({}));

    client.handle('Authorize', ({ messageId }) => {
        const invalid = v16
            ? { idTagInfo: { status: 'Maybe' } }
            : { idTokenInfo: { status: 'Maybe' }, surprise: true };
        client.sendRaw(JSON.stringify([3, messageId, invalid]));
        return NOREPLY;
    });

    client.handle('DataTransfer', ({ params }) => {
        if (params.messageId === 'StartRemotely') {
            const call = v16
                ? client.call('RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 })
                : client.call('RequestStartTransaction', { idToken: { idToken: 'TAG-1', type: 'ISO14443' }, remoteStartId: 7, evseId: 1 });
            call.catch(() => { /* the reply is recorded from the wire below */ });
            return { status: 'Accepted' };
        }
        if (params.messageId === 'StartRemotelyInvalid') {
            // Sent raw because the server's own strict mode would refuse to send it.
            const method = v16 ? 'RemoteStartTransaction' : 'RequestStartTransaction';
            setImmediate(() => client.sendRaw(JSON.stringify([2, 'invalid-call-1', method, { connectorId: 'one' }])));
            return { status: 'Accepted' };
        }
        if (params.messageId === 'LastReply') {
            return { status: 'Accepted', data: JSON.stringify(lastReplies.get(client.identity) ?? null) };
        }
        return { status: 'UnknownMessageId' };
    });
});

(async () => {
    const http = await server.listen(0, '127.0.0.1');
    process.stdout.write(JSON.stringify({ port: http.address().port }) + '\n');
})().catch(err => {
    process.stderr.write(`fake-csms: ${err.stack}\n`);
    process.exit(1);
});

const stop = () => server.close({ force: true }).finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
