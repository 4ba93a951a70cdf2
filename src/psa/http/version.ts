/** The ConnectWise API model version Parasol's record shapes follow (connectwise-rest's spec). */
export const API_VERSION = '2022.1';
