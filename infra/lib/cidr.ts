/** IPv4 CIDR arithmetic for carving subnets out of the VPC block. */

function toInt(ip: string): number {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
        throw new Error(`invalid IPv4 address "${ip}"`);
    }
    return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function toIp(n: number): string {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * The `index`-th subnet of `cidr` with `newBits` more prefix bits, e.g. `subnetCidr("10.0.0.0/16", 4, 1)` is
 * `10.0.16.0/20`. Throws when the block is malformed, not aligned, or too small.
 */
export function subnetCidr(cidr: string, newBits: number, index: number): string {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`invalid CIDR block "${cidr}"`);
    const base = toInt(m[1]);
    const prefix = Number(m[2]);
    const newPrefix = prefix + newBits;
    if (prefix < 0 || newPrefix > 28) throw new Error(`cannot carve /${newPrefix} subnets out of "${cidr}"`);
    const hostBits = 32 - prefix;
    if (hostBits < 32 && base % 2 ** hostBits !== 0) throw new Error(`CIDR block "${cidr}" is not aligned to its prefix`);
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** newBits) {
        throw new Error(`subnet index ${index} out of range for ${2 ** newBits} subnets of "${cidr}"`);
    }
    return `${toIp(base + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}
