// Kernel-facing names of the iptables layout, kept exactly as dockerd names them.
export const DOCKER = 'DOCKER';
export const ISOLATION_1 = 'DOCKER-ISOLATION-STAGE-1';
export const ISOLATION_2 = 'DOCKER-ISOLATION-STAGE-2';
export const DOCKER_USER = 'DOCKER-USER';
