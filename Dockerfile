# Osprey SIP server. Build: docker build -t osprey .   Run: docker run --network host osprey
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Osprey.Server -c Release -o /out/osprey \
 && dotnet publish src/Osprey.Ctl -c Release -o /out/ospreyctl

# The control plane serves HTTP with Kestrel, so the runtime image is the ASP.NET one.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /out/osprey /opt/osprey
COPY --from=build /out/ospreyctl /opt/ospreyctl
RUN ln -s /opt/osprey/osprey /usr/local/bin/osprey && ln -s /opt/ospreyctl/ospreyctl /usr/local/bin/ospreyctl
EXPOSE 5060/udp 5060/tcp
# shorter GC pauses under call load, as packaging/osprey.service (bench/RESULTS.md)
ENV DOTNET_GCgen0size=0x400000
# The embedded default configuration keeps its SQLite database (users, registrations) here:
#   docker exec <container> ospreyctl add alice secret
VOLUME /var/lib/osprey
# Without -f osprey runs its embedded default configuration; mount a kamailio.cfg and pass -f to use yours.
ENTRYPOINT ["osprey", "-E"]
CMD ["-l", "udp:0.0.0.0:5060", "-l", "tcp:0.0.0.0:5060"]
