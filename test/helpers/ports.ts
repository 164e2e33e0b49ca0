export { freePorts } from '../../app/swarm/free-ports';
